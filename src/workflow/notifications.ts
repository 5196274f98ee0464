import type { Mailer } from '../core/mail.js';
import type { Sql } from './store/store.js';

/**
 * E-mail to the other party of a request. A notification is recorded in the store within the
 * action's transaction (so it is never lost with a rollback or sent for an action that did not
 * happen), then sent after the commit. Without an SMTP server it stays recorded, unsent.
 */
export interface Notice {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export async function recordNotices(sql: Sql, notices: readonly Notice[], at: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const n of notices) {
    const [row] = await sql.query<{ id: number }>('INSERT INTO notifications (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [n.to, n.subject, n.text, at.toISOString()]);
    ids.push(row!.id);
  }
  return ids;
}

export async function deliverNotices(store: { transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> }, mailer: Mailer | undefined, ids: readonly number[], now: () => Date): Promise<void> {
  if (!mailer || ids.length === 0) return;
  const pending = await store.transaction((sql) => sql.query<{ id: number; recipient: string; subject: string; body: string }>('SELECT id, recipient, subject, body FROM notifications WHERE id = ANY($1::int[]) AND sent_at IS NULL ORDER BY id', [ids]));
  for (const n of pending) {
    try {
      await mailer.send({ to: n.recipient, subject: n.subject, text: n.body });
      await store.transaction((sql) => sql.query('UPDATE notifications SET sent_at = $2, error = NULL WHERE id = $1', [n.id, now().toISOString()]));
    } catch (error) {
      // The action stands; the failure is kept beside the notice for the vendor to see and retry.
      await store.transaction((sql) => sql.query('UPDATE notifications SET error = $2 WHERE id = $1', [n.id, error instanceof Error ? error.message : String(error)]));
    }
  }
}

export interface NotificationRecord {
  readonly id: number;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly error: string | null;
}

export async function listNotifications(sql: Sql, limit = 200): Promise<NotificationRecord[]> {
  const rows = await sql.query<{ id: number; recipient: string; subject: string; body: string; created_at: string; sent_at: string | null; error: string | null }>(
    'SELECT id, recipient, subject, body, created_at, sent_at, error FROM notifications ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, to: r.recipient, subject: r.subject, text: r.body, createdAt: new Date(r.created_at).toISOString(), sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null, error: r.error }));
}

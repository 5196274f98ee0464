import type { Sql } from './store/store.js';

/**
 * The audit trail (M13): one row per action — who, when, what, on what, what changed. The
 * code only ever INSERTs here (there is no update or delete function), and a trigger in the
 * database refuses UPDATE, DELETE and TRUNCATE whoever issues them.
 */
export type Actor = `operator:${string}` | `customer:${string}` | `cli:${string}` | 'public' | `installation:${string}`;

export interface AuditEntry {
  readonly actor: Actor;
  readonly action: string;
  readonly subject: string;
  readonly details?: Record<string, unknown>;
}

export interface AuditRecord {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: Record<string, unknown>;
}

export async function appendAudit(sql: Sql, at: Date, entry: AuditEntry): Promise<void> {
  await sql.query('INSERT INTO audit (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)', [
    at.toISOString(), entry.actor, entry.action, entry.subject, JSON.stringify(entry.details ?? {}),
  ]);
}

export interface AuditFilter {
  readonly subject?: string;
  readonly action?: string;
  readonly limit?: number;
}

export async function listAudit(sql: Sql, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const rows = await sql.query<{ id: number; at: string; actor: string; action: string; subject: string; details: Record<string, unknown> }>(
    `SELECT id, at, actor, action, subject, details FROM audit
      WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR action = $2)
      ORDER BY id DESC LIMIT $3`,
    [filter.subject ?? null, filter.action ?? null, filter.limit ?? 500],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}

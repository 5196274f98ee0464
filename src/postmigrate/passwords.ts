import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { RepatriateError } from '../core/errors.js';
import type { Mailer } from '../core/mail.js';
import type { Db } from './db.js';
import { truthy } from './db.js';
import type { Installation } from './installation.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P1: passwords are not in the archive, so nobody can sign in after a restore. Every active
 * person gets a single-use, expiring reset link by mail (only the link's SHA-256 is stored), or
 * an administrator sets a password by hand. Passwords are stored as argon2id hashes.
 */
const resetTable = 'b_repatriate_password_reset';
const argon2Prefix = '$argon2';
export const minPasswordLength = 10;
export const defaultLinkHours = 48;

/** People who may sign in: active, not a bot, system or connector user (they have an external auth id). */
const peopleWhere = 'active = TRUE AND external_auth_id IS NULL';

async function ensureResetTable(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS ${resetTable} (token_hash varchar(64) NOT NULL PRIMARY KEY, user_id bigint NOT NULL, created_at varchar(32) NOT NULL, expires_at varchar(32) NOT NULL, used_at varchar(32))`);
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function checkPassword(password: string): void {
  if (password.length < minPasswordLength) {
    throw new RepatriateError('REPAT_USAGE', `the new password is too short (${password.length} characters)`, { hint: `choose at least ${minPasswordLength} characters` });
  }
}

export async function passwordStatus(inst: Installation): Promise<TaskStatus> {
  const people = await inst.db.count(`SELECT count(*) AS n FROM b_user WHERE ${peopleWhere}`);
  const withPassword = await inst.db.count(`SELECT count(*) AS n FROM b_user WHERE ${peopleWhere} AND password LIKE ?`, [`${argon2Prefix}%`]);
  let pending = 0;
  if (await inst.db.hasTable(resetTable)) {
    pending = await inst.db.count(`SELECT count(*) AS n FROM ${resetTable} WHERE used_at IS NULL AND expires_at > ?`, [inst.clock().toISOString()]);
  }
  const details = { activeUsers: people, withPassword, pendingLinks: pending };
  if (people === withPassword) return status('P1', 'done', `all ${people} active users have set a password`, details);
  return status('P1', 'todo', `${people - withPassword} of ${people} active users have no password yet; ${pending} reset links are waiting to be used`, details);
}

export interface ResetLinkReport {
  readonly sent: readonly { readonly userId: number; readonly login: string; readonly email: string }[];
  readonly skipped: readonly { readonly userId: number; readonly login: string; readonly reason: string }[];
  readonly expiresAt: string;
}

/**
 * Mails a reset link to every active person without a password (or to the logins given).
 * A new link replaces the user's earlier unused ones.
 */
export async function sendResetLinks(inst: Installation, options: { mailer: Mailer; linkBase: string; hours?: number; logins?: readonly string[] }): Promise<ResetLinkReport> {
  const base = parseLinkBase(options.linkBase);
  await ensureResetTable(inst.db);
  const rows = await inst.db.query<{ id: unknown; login: string; email: string | null; password: string }>(`SELECT id, login, email, password FROM b_user WHERE ${peopleWhere} ORDER BY id`);
  let users = rows;
  if (options.logins && options.logins.length > 0) {
    const unknown = options.logins.filter((l) => !rows.some((r) => r.login === l));
    if (unknown.length > 0) throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `no active user with the login ${unknown.join(', ')}`, { hint: 'give the login exactly as `onprem status --json` or the user list shows it' });
    users = rows.filter((r) => options.logins!.includes(r.login));
  } else users = rows.filter((r) => !r.password.startsWith(argon2Prefix));
  const now = inst.clock();
  const expires = new Date(now.getTime() + (options.hours ?? defaultLinkHours) * 3600_000);
  const sent: { userId: number; login: string; email: string }[] = [];
  const skipped: { userId: number; login: string; reason: string }[] = [];
  for (const user of users) {
    const userId = Number(user.id);
    if (!user.email) {
      skipped.push({ userId, login: user.login, reason: 'no e-mail address: set the password by hand' });
      continue;
    }
    const token = randomBytes(32).toString('base64url');
    await inst.db.query(`DELETE FROM ${resetTable} WHERE user_id = ? AND used_at IS NULL`, [userId]);
    await inst.db.query(`INSERT INTO ${resetTable} (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, [tokenHash(token), userId, now.toISOString(), expires.toISOString()]);
    const link = `${base}/reset-password?token=${token}`;
    await options.mailer.send({
      to: user.email,
      subject: 'Set your password for the new intranet',
      text: `Your intranet has moved to ${base}.\n\nPasswords could not move with it. Set a new one for ${user.login} here (the link works once, until ${expires.toISOString()}):\n\n${link}\n`,
    });
    sent.push({ userId, login: user.login, email: user.email });
  }
  return { sent, skipped, expiresAt: expires.toISOString() };
}

function parseLinkBase(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    return `${url.protocol}//${url.host}`;
  } catch {
    throw new RepatriateError('REPAT_USAGE', `"${text}" is not the installation's address`, { hint: 'give it like https://intranet.example.com' });
  }
}

/** Redeems a reset link: sets the password once; an unknown, used or expired link is refused. */
export async function redeemResetLink(inst: Installation, token: string, password: string): Promise<{ readonly login: string }> {
  checkPassword(password);
  const invalid = (why: string): RepatriateError => new RepatriateError('REPAT_RESET_LINK_INVALID', `the reset link ${why}`, { hint: 'ask your administrator for a new link (`repatriate onprem P1 send`)' });
  if (!(await inst.db.hasTable(resetTable))) throw invalid('is unknown');
  const row = await inst.db.one<{ user_id: unknown; expires_at: string; used_at: string | null }>(`SELECT user_id, expires_at, used_at FROM ${resetTable} WHERE token_hash = ?`, [tokenHash(token)]);
  if (!row) throw invalid('is unknown');
  if (row.used_at) throw invalid('was used already');
  const now = inst.clock();
  if (now.toISOString() >= row.expires_at) throw invalid(`expired at ${row.expires_at}`);
  await inst.db.query(`UPDATE ${resetTable} SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, [now.toISOString(), tokenHash(token)]);
  const user = await inst.db.one<{ login: string }>('SELECT login FROM b_user WHERE id = ?', [Number(row.user_id)]);
  if (!user) throw invalid('belongs to a user who no longer exists');
  await storePassword(inst.db, Number(row.user_id), password);
  return { login: user.login };
}

/** An administrator sets a user's password by hand. */
export async function setPassword(inst: Installation, login: string, password: string): Promise<{ readonly userId: number }> {
  checkPassword(password);
  const user = await inst.db.one<{ id: unknown }>(`SELECT id FROM b_user WHERE login = ? AND ${peopleWhere}`, [login]);
  if (!user) throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `no active user with the login ${login}`, { hint: 'bots, system and deactivated users cannot sign in' });
  await storePassword(inst.db, Number(user.id), password);
  return { userId: Number(user.id) };
}

async function storePassword(db: Db, userId: number, password: string): Promise<void> {
  // An invited user who sets a password has confirmed the address the link went to.
  await db.query('UPDATE b_user SET password = ?, confirm_code = NULL WHERE id = ?', [await hash(password), userId]);
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(16).toString('hex'));
  return dummy;
}

/** The installation's own sign-in: one answer for every failure, so it never tells which logins exist. */
export async function signIn(inst: Installation, login: string, password: string): Promise<{ readonly userId: number; readonly login: string }> {
  const failed = new RepatriateError('REPAT_SIGN_IN_FAILED', 'wrong login or password', { hint: 'after the move every user sets a new password from the reset link, or the administrator sets one' });
  const user = await inst.db.one<{ id: unknown; password: string; active: unknown; external_auth_id: string | null }>('SELECT id, password, active, external_auth_id FROM b_user WHERE login = ?', [login]);
  if (!user || !truthy(user.active) || user.external_auth_id !== null || !user.password.startsWith(argon2Prefix)) {
    // Same work as a real check, so timing does not tell either.
    await verify(await dummyHash(), password).catch(() => false);
    throw failed;
  }
  if (!(await verify(user.password, password))) throw failed;
  return { userId: Number(user.id), login };
}

import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { RepatriateError } from '../core/errors.js';
import { appendAudit } from './audit.js';
import type { Administrator } from './cloud.js';
import type { Sql } from './store/store.js';

/**
 * Operators (the vendor's staff, their own accounts) and sessions for both roles. A session
 * is an opaque random token; the store keeps only its SHA-256, so a copy of the database
 * cannot sign anyone in.
 */
export type Principal =
  | { readonly role: 'operator'; readonly operatorId: number; readonly email: string }
  | { readonly role: 'customer'; readonly accountUrl: string; readonly login: string; readonly email: string | null };

export function actorOf(principal: Principal): `operator:${string}` | `customer:${string}` {
  return principal.role === 'operator' ? `operator:${principal.email}` : `customer:${principal.login}@${principal.accountUrl}`;
}

export const sessionHours = 12;

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function addOperator(sql: Sql, email: string, password: string, at: Date, actor: `cli:${string}` | `operator:${string}`): Promise<{ id: number; email: string }> {
  if (password.length < 12) throw new RepatriateError('REPAT_USAGE', 'an operator password needs at least 12 characters', { hint: 'use a longer password (a passphrase of several words works well)' });
  const normalized = email.trim().toLowerCase();
  const existing = await sql.query('SELECT 1 FROM operators WHERE email = $1', [normalized]);
  if (existing.length > 0) throw new RepatriateError('REPAT_DESK_CONFLICT', `an operator ${normalized} already exists`, { hint: 'choose another e-mail address' });
  const [row] = await sql.query<{ id: number }>('INSERT INTO operators (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id', [normalized, await hash(password), at.toISOString()]);
  await appendAudit(sql, at, { actor, action: 'operator.add', subject: `operator:${row!.id}`, details: { email: normalized } });
  return { id: row!.id, email: normalized };
}

export async function listOperators(sql: Sql): Promise<{ id: number; email: string; createdAt: string }[]> {
  const rows = await sql.query<{ id: number; email: string; created_at: string }>('SELECT id, email, created_at FROM operators ORDER BY id');
  return rows.map((r) => ({ id: r.id, email: r.email, createdAt: new Date(r.created_at).toISOString() }));
}

export async function operatorEmails(sql: Sql): Promise<string[]> {
  return (await sql.query<{ email: string }>('SELECT email FROM operators ORDER BY id')).map((r) => r.email);
}

let decoy: Promise<string> | undefined;

export async function verifyOperator(sql: Sql, email: string, password: string): Promise<Principal & { role: 'operator' }> {
  const [row] = await sql.query<{ id: number; email: string; password_hash: string }>('SELECT id, email, password_hash FROM operators WHERE email = $1', [email.trim().toLowerCase()]);
  const stored = row?.password_hash ?? (await (decoy ??= hash(randomBytes(16).toString('hex'))));
  const ok = await verify(stored, password).catch(() => false);
  if (!row || !ok) throw new RepatriateError('REPAT_DESK_AUTH', 'wrong e-mail or password', { hint: 'operators sign in with the account `repatriate operator add` created' });
  return { role: 'operator', operatorId: row.id, email: row.email };
}

export interface NewSession {
  readonly token: string;
  readonly expiresAt: string;
}

export async function createSession(sql: Sql, principal: Principal, at: Date): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(at.getTime() + sessionHours * 3600_000).toISOString();
  await sql.query(
    'INSERT INTO sessions (token_sha256, role, operator_id, account_url, login, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    principal.role === 'operator'
      ? [tokenHash(token), 'operator', principal.operatorId, null, null, principal.email, at.toISOString(), expiresAt]
      : [tokenHash(token), 'customer', null, principal.accountUrl, principal.login, principal.email, at.toISOString(), expiresAt],
  );
  await appendAudit(sql, at, { actor: actorOf(principal), action: 'session.create', subject: principal.role === 'operator' ? `operator:${principal.operatorId}` : `account:${principal.accountUrl}`, details: { expiresAt } });
  return { token, expiresAt };
}

export function customerPrincipal(admin: Administrator): Principal {
  return { role: 'customer', accountUrl: admin.accountUrl, login: admin.login, email: admin.email };
}

export async function sessionPrincipal(sql: Sql, token: string, at: Date): Promise<Principal> {
  const [row] = await sql.query<{ role: 'operator' | 'customer'; operator_id: number | null; account_url: string | null; login: string | null; email: string | null; expires_at: string }>(
    'SELECT role, operator_id, account_url, login, email, expires_at FROM sessions WHERE token_sha256 = $1',
    [tokenHash(token)],
  );
  if (!row) throw new RepatriateError('REPAT_DESK_AUTH', 'not signed in', { hint: 'sign in first (POST /api/sessions or /api/operator/sessions)' });
  if (new Date(row.expires_at).getTime() <= at.getTime()) throw new RepatriateError('REPAT_DESK_AUTH', 'the session has expired', { hint: 'sign in again' });
  return row.role === 'operator'
    ? { role: 'operator', operatorId: row.operator_id!, email: row.email! }
    : { role: 'customer', accountUrl: row.account_url!, login: row.login!, email: row.email };
}

export async function endSession(sql: Sql, token: string): Promise<void> {
  await sql.query('DELETE FROM sessions WHERE token_sha256 = $1', [tokenHash(token)]);
}

/** The operator the vendor's own command line acts as (it has the store; it signs no one in). */
export async function operatorByEmail(sql: Sql, email: string): Promise<Principal & { role: 'operator' }> {
  const [row] = await sql.query<{ id: number; email: string }>('SELECT id, email FROM operators WHERE email = $1', [email.trim().toLowerCase()]);
  if (!row) throw new RepatriateError('REPAT_DESK_NOT_FOUND', `no operator ${email}`, { hint: 'add one with `repatriate operator add`, or list them with `repatriate operator list`' });
  return { role: 'operator', operatorId: row.id, email: row.email };
}

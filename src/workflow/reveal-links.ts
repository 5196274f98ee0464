import { createHash, randomBytes } from 'node:crypto';
import { RepatriateError } from '../core/errors.js';
import type { Sql } from './store/store.js';

/**
 * One-time links that reveal an archive's password (M11). The token travels only in the
 * e-mail; the store keeps its SHA-256. A new link (an operator's re-send) retires the
 * unused older ones, and a link works once.
 */
export const revealLinkDays = 7;

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createRevealLink(sql: Sql, requestId: number, at: Date): Promise<{ token: string; expiresAt: string }> {
  await sql.query('UPDATE reveal_links SET expires_at = $2 WHERE request_id = $1 AND used_at IS NULL AND expires_at > $2', [requestId, at.toISOString()]);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(at.getTime() + revealLinkDays * 86_400_000).toISOString();
  await sql.query('INSERT INTO reveal_links (token_sha256, request_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [hashOf(token), requestId, at.toISOString(), expiresAt]);
  return { token, expiresAt };
}

/** Spends a link: the request it reveals, or 404 (unknown) / 410 (used, expired). */
export async function spendRevealLink(sql: Sql, token: string, at: Date): Promise<number> {
  const [link] = await sql.query<{ request_id: number; expires_at: string; used_at: string | null }>('SELECT request_id, expires_at, used_at FROM reveal_links WHERE token_sha256 = $1 FOR UPDATE', [hashOf(token)]);
  if (!link) throw new RepatriateError('REPAT_DESK_NOT_FOUND', 'no such reveal link', { hint: 'use the link from the e-mail exactly as sent, or sign in and reveal the password in the portal' });
  if (link.used_at !== null) throw new RepatriateError('REPAT_DESK_GONE', 'this reveal link was already used', { hint: 'a link works once; sign in to the portal to see the password again, or ask the vendor to send a new link' });
  if (new Date(link.expires_at) <= at) throw new RepatriateError('REPAT_DESK_GONE', 'this reveal link has expired', { hint: 'sign in to the portal to see the password, or ask the vendor to send a new link' });
  await sql.query('UPDATE reveal_links SET used_at = $2 WHERE token_sha256 = $1', [hashOf(token), at.toISOString()]);
  return link.request_id;
}

export async function retireRevealLinks(sql: Sql, requestId: number, at: Date): Promise<void> {
  await sql.query('UPDATE reveal_links SET expires_at = $2 WHERE request_id = $1 AND expires_at > $2', [requestId, at.toISOString()]);
}

import type { KeyObject } from 'node:crypto';
import { RepatriateError } from '../core/errors.js';
import type { LicensePayload } from '../license/key.js';
import { decodeForVerdict, licenseHints, licenseVerdict, type LicenseVerdict } from '../license/verdict.js';
import { appendAudit, type Actor } from './audit.js';
import { dayOf } from './clock.js';
import type { Sql } from './store/store.js';

/**
 * The vendor's license registry (M3): every key the vendor issues, and when it was activated
 * (on which installation) and registered (to whom). The owner is kept for the vendor; the
 * public check never shows it.
 */
interface LicenseRow {
  id: string;
  license_key: string;
  activated_at: string | null;
  installation: string | null;
  registered_at: string | null;
  registered_owner: string | null;
}

export interface PublicLicenseCheck {
  readonly valid: boolean;
  readonly problem: string | null;
  readonly message: string;
  readonly hint: string | null;
  /** What the key grants; never who owns it. */
  readonly license: { readonly id: string; readonly kind: string; readonly edition: string; readonly seats: number; readonly supportUntil: string } | null;
}

function decodeOrThrow(key: string, trusted: readonly KeyObject[]): LicensePayload {
  const decoded = decodeForVerdict(key, trusted);
  if ('problem' in decoded) {
    throw new RepatriateError('REPAT_LICENSE_INVALID', decoded.problem === 'malformed' ? 'the license key is malformed' : 'the license key is not signed by the vendor', {
      hint: licenseHints[decoded.problem],
    });
  }
  return decoded.license;
}

export async function recordIssued(sql: Sql, key: string, license: LicensePayload, at: Date, actor: Actor): Promise<void> {
  await sql.query(
    `INSERT INTO licenses (id, license_key, kind, edition, seats, support_until, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING`,
    [license.id, key.trim(), license.kind, license.edition, license.seats, license.supportUntil, license.issuedAt],
  );
  await appendAudit(sql, at, { actor, action: 'license.issue', subject: `license:${license.id}`, details: { kind: license.kind, edition: license.edition, seats: license.seats, supportUntil: license.supportUntil } });
}

async function rowFor(sql: Sql, license: LicensePayload, key: string, at: Date, actor: Actor): Promise<LicenseRow> {
  const rows = await sql.query<LicenseRow>('SELECT id, license_key, activated_at, installation, registered_at, registered_owner FROM licenses WHERE id = $1', [license.id]);
  if (rows[0]) return rows[0];
  // A key the vendor signed but this registry has not seen (issued before the desk existed) joins it on first use.
  await recordIssued(sql, key, license, at, actor);
  return { id: license.id, license_key: key.trim(), activated_at: null, installation: null, registered_at: null, registered_owner: null };
}

export async function activateLicense(sql: Sql, trusted: readonly KeyObject[], key: string, installation: string, at: Date, actor: Actor): Promise<{ id: string; activatedAt: string; already: boolean }> {
  const license = decodeOrThrow(key, trusted);
  const row = await rowFor(sql, license, key, at, actor);
  if (row.activated_at) return { id: license.id, activatedAt: new Date(row.activated_at).toISOString(), already: true };
  await sql.query('UPDATE licenses SET activated_at = $2, installation = $3 WHERE id = $1', [license.id, at.toISOString(), installation]);
  await appendAudit(sql, at, { actor, action: 'license.activate', subject: `license:${license.id}`, details: { installation } });
  return { id: license.id, activatedAt: at.toISOString(), already: false };
}

export async function registerLicense(sql: Sql, trusted: readonly KeyObject[], key: string, owner: { name: string; email: string }, at: Date, actor: Actor): Promise<{ id: string; registeredAt: string; already: boolean }> {
  const license = decodeOrThrow(key, trusted);
  const row = await rowFor(sql, license, key, at, actor);
  if (row.registered_at) {
    if (row.registered_owner === owner.name) return { id: license.id, registeredAt: new Date(row.registered_at).toISOString(), already: true };
    throw new RepatriateError('REPAT_DESK_CONFLICT', `license ${license.id} is already registered to someone else`, { hint: 'ask the vendor to transfer the registration' });
  }
  await sql.query('UPDATE licenses SET registered_at = $2, registered_owner = $3, registered_email = $4 WHERE id = $1', [license.id, at.toISOString(), owner.name, owner.email]);
  await appendAudit(sql, at, { actor, action: 'license.register', subject: `license:${license.id}`, details: { owner: owner.name } });
  return { id: license.id, registeredAt: at.toISOString(), already: false };
}

export async function licenseVerdictFor(sql: Sql, trusted: readonly KeyObject[], key: string, at: Date): Promise<LicenseVerdict> {
  const decoded = decodeForVerdict(key, trusted);
  const id = 'license' in decoded ? decoded.license.id : null;
  const rows = id ? await sql.query<{ activated_at: string | null; registered_at: string | null }>('SELECT activated_at, registered_at FROM licenses WHERE id = $1', [id]) : [];
  const record = rows[0] ? { activatedAt: rows[0].activated_at, registeredAt: rows[0].registered_at } : undefined;
  return licenseVerdict(key, trusted, record, dayOf(at));
}

export function publicCheck(verdict: LicenseVerdict): PublicLicenseCheck {
  const l = verdict.license;
  const license = l ? { id: l.id, kind: l.kind, edition: l.edition, seats: l.seats, supportUntil: l.supportUntil } : null;
  if (verdict.valid) return { valid: true, problem: null, message: `license ${verdict.license.id} is valid for a migration`, hint: null, license };
  return { valid: false, problem: verdict.problem, message: verdict.message, hint: licenseHints[verdict.problem], license };
}

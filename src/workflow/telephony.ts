import { verifyTelephonyRequest, type SignedTelephonyRequest } from '../license/telephony-request.js';
import type { LicenseVerdict } from '../license/verdict.js';
import { verdictError } from '../license/verdict.js';
import { appendAudit } from './audit.js';
import type { Sql } from './store/store.js';

/**
 * Telephony transfer requests (P10), the receiving side: the on-premise assistant signs the
 * request with its installation's Ed25519 key; the desk verifies the signature and the license
 * before recording it for an operator.
 */
export interface TelephonyRequest {
  readonly id: number;
  readonly licenseId: string;
  readonly accountUrl: string;
  readonly installationUrl: string;
  readonly numbers: readonly string[];
  readonly certificateSha256: string;
  readonly signedAt: string;
  readonly state: 'received';
  readonly receivedAt: string;
}

export async function receiveTelephonyRequest(sql: Sql, signed: SignedTelephonyRequest, verdict: LicenseVerdict, at: Date): Promise<TelephonyRequest> {
  verifyTelephonyRequest(signed);
  if (!verdict.valid) throw verdictError(verdict);
  const r = signed.request;
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO telephony_requests (license_id, account_url, installation_url, numbers, certificate_sha256, public_key, signature, signed_at, state, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9) RETURNING id`,
    [verdict.license.id, r.accountUrl, r.installationUrl, JSON.stringify(r.numbers), r.certificateSha256.toLowerCase(), signed.publicKey, signed.signature, r.createdAt, at.toISOString()],
  );
  await appendAudit(sql, at, {
    actor: `installation:${r.installationUrl}`, action: 'telephony.receive', subject: `telephony:${row!.id}`,
    details: { licenseId: verdict.license.id, accountUrl: r.accountUrl, numbers: r.numbers, certificateSha256: r.certificateSha256.toLowerCase() },
  });
  return {
    id: row!.id, licenseId: verdict.license.id, accountUrl: r.accountUrl, installationUrl: r.installationUrl, numbers: r.numbers,
    certificateSha256: r.certificateSha256.toLowerCase(), signedAt: r.createdAt, state: 'received', receivedAt: at.toISOString(),
  };
}

export async function listTelephonyRequests(sql: Sql): Promise<TelephonyRequest[]> {
  const rows = await sql.query<{ id: number; license_id: string; account_url: string; installation_url: string; numbers: string[]; certificate_sha256: string; signed_at: string; received_at: string }>(
    'SELECT id, license_id, account_url, installation_url, numbers, certificate_sha256, signed_at, received_at FROM telephony_requests ORDER BY id',
  );
  return rows.map((r) => ({
    id: r.id, licenseId: r.license_id, accountUrl: r.account_url, installationUrl: r.installation_url, numbers: r.numbers,
    certificateSha256: r.certificate_sha256, signedAt: r.signed_at, state: 'received' as const, receivedAt: new Date(r.received_at).toISOString(),
  }));
}

import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { canonicalJson, keyIdOf, signJson, verifyJson, type SigningKey } from '../core/signing.js';

/**
 * On-premise license keys: a signed statement by the vendor, verifiable offline.
 *
 *   RPL1.<base64url of the canonical JSON payload>.<base64url of its Ed25519 signature>
 *
 * The payload names the license, its edition and kind (only `onpremise` keys can receive a
 * migration, M3), its seats (M4) and the end of its update and support subscription.
 */
export const editions = ['standard', 'professional', 'enterprise'] as const;
export type LicenseEdition = (typeof editions)[number];

export const licensePayloadSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(/^L-[0-9A-F]{12}$/),
  product: z.string().min(1),
  kind: z.enum(['onpremise', 'trial', 'cloud']),
  edition: z.enum(editions),
  seats: z.number().int().positive(),
  /** Last day (UTC) of the subscription for updates and priority support. */
  supportUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  issuedAt: z.string(),
  /** Which vendor key signed it. */
  signer: z.string().regex(/^[0-9a-f]{16}$/),
});
export type LicensePayload = z.infer<typeof licensePayloadSchema>;

const prefix = 'RPL1';

export function encodeLicense(payload: Omit<LicensePayload, 'signer'>, key: SigningKey): string {
  const full: LicensePayload = { ...payload, signer: key.keyId };
  const body = Buffer.from(canonicalJson(full)).toString('base64url');
  const signature = Buffer.from(signJson(full, key), 'base64').toString('base64url');
  return `${prefix}.${body}.${signature}`;
}

function invalid(message: string): RepatriateError {
  return new RepatriateError('REPAT_LICENSE_INVALID', message, { hint: 'copy the license key exactly as the vendor issued it (it starts with RPL1.)' });
}

/** Decodes a key and checks its vendor signature (offline). */
export function decodeLicense(key: string, trusted: readonly KeyObject[]): LicensePayload {
  const parts = key.trim().split('.');
  if (parts.length !== 3 || parts[0] !== prefix) throw invalid('the license key is malformed');
  let payload: LicensePayload;
  try {
    const parsed = licensePayloadSchema.safeParse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
    if (!parsed.success) throw new Error(parsed.error.message);
    payload = parsed.data;
  } catch {
    throw invalid('the license key is malformed');
  }
  const signer = trusted.find((k) => keyIdOf(k) === payload.signer);
  if (!signer || !verifyJson(payload, Buffer.from(parts[2]!, 'base64url').toString('base64'), signer)) {
    throw invalid(`license ${payload.id} is not signed by a trusted vendor key`);
  }
  return payload;
}

export interface LicenseCheck {
  readonly license: LicensePayload;
  readonly activeUsers: number;
}

/** M3 and M4 as the restore applies them: an on-premise key, a running subscription, enough seats. */
export function checkLicenseFor(license: LicensePayload, activeUsers: number, today: string): LicenseCheck {
  if (license.kind !== 'onpremise') {
    throw new RepatriateError('REPAT_LICENSE_INVALID', `license ${license.id} is a ${license.kind} key; a migration needs a paid on-premise key`, {
      hint: 'buy or use an on-premise license key (M3)',
    });
  }
  if (license.supportUntil < today) {
    throw new RepatriateError('REPAT_LICENSE_EXPIRED', `the update and support subscription of license ${license.id} ended on ${license.supportUntil}`, {
      hint: 'renew the subscription for updates and priority support (M3), then restore again',
    });
  }
  if (license.seats < activeUsers) {
    throw new RepatriateError('REPAT_LICENSE_SEATS', `license ${license.id} has ${license.seats} seats; the account has ${activeUsers} active users`, {
      hint: 'extranet and invited users count, deactivated ones do not (M4): buy more seats or deactivate users in the cloud before the snapshot',
    });
  }
  return { license, activeUsers };
}

import type { KeyObject } from 'node:crypto';
import { RepatriateError } from '../core/errors.js';
import { decodeLicense, type LicensePayload } from './key.js';

/**
 * M3 as the vendor's registry answers it: a key is valid for a migration when it is signed by
 * the vendor, an on-premise key, with a running update and support subscription, activated and
 * registered in advance. The verdict names the first reason it is not — never its owner.
 */
export const licenseProblems = ['malformed', 'bad-signature', 'not-onpremise', 'subscription-ended', 'not-activated', 'not-registered'] as const;
export type LicenseProblem = (typeof licenseProblems)[number];

export interface RegistryRecord {
  readonly activatedAt: string | null;
  readonly registeredAt: string | null;
}

export type LicenseVerdict =
  | { readonly valid: true; readonly license: LicensePayload }
  | { readonly valid: false; readonly problem: LicenseProblem; readonly message: string; readonly license: LicensePayload | null };

const messages: Record<LicenseProblem, string> = {
  malformed: 'the license key is malformed',
  'bad-signature': 'the license key is not signed by the vendor',
  'not-onpremise': 'the license is not a paid on-premise license',
  'subscription-ended': 'the subscription for updates and priority support has ended',
  'not-activated': 'the license has not been activated',
  'not-registered': 'the license has not been registered',
};

export const licenseHints: Record<LicenseProblem, string> = {
  malformed: 'copy the license key exactly as the vendor issued it (it starts with RPL1.)',
  'bad-signature': 'use a key issued by the vendor',
  'not-onpremise': 'buy an on-premise license: trial and cloud keys cannot receive a migration (M3)',
  'subscription-ended': 'renew the subscription for updates and priority support (M3)',
  'not-activated': 'activate the license first (`repatriate license activate`, M3)',
  'not-registered': 'register the license first (`repatriate license register`, M3)',
};

/** Decodes offline; a key that does not decode gets a verdict, not an exception. */
export function decodeForVerdict(key: string, trusted: readonly KeyObject[]): { license: LicensePayload } | { problem: 'malformed' | 'bad-signature' } {
  try {
    return { license: decodeLicense(key, trusted) };
  } catch (error) {
    if (error instanceof RepatriateError && /not signed/.test(error.message)) return { problem: 'bad-signature' };
    return { problem: 'malformed' };
  }
}

export function licenseVerdict(key: string, trusted: readonly KeyObject[], record: RegistryRecord | undefined, today: string): LicenseVerdict {
  const decoded = decodeForVerdict(key, trusted);
  if ('problem' in decoded) return { valid: false, problem: decoded.problem, message: messages[decoded.problem], license: null };
  const { license } = decoded;
  const fail = (problem: LicenseProblem, detail = ''): LicenseVerdict => ({ valid: false, problem, message: messages[problem] + detail, license });
  if (license.kind !== 'onpremise') return fail('not-onpremise', ` (it is a ${license.kind} key)`);
  if (license.supportUntil < today) return fail('subscription-ended', ` (on ${license.supportUntil})`);
  if (!record?.activatedAt) return fail('not-activated');
  if (!record.registeredAt) return fail('not-registered');
  return { valid: true, license };
}

/** The verdict as a catalogue error, for callers that refuse on it. */
export function verdictError(verdict: Extract<LicenseVerdict, { valid: false }>): RepatriateError {
  const code = verdict.problem === 'subscription-ended' ? 'REPAT_LICENSE_EXPIRED' : verdict.problem === 'not-activated' || verdict.problem === 'not-registered' ? 'REPAT_LICENSE_UNREGISTERED' : 'REPAT_LICENSE_INVALID';
  return new RepatriateError(code, verdict.message, { hint: licenseHints[verdict.problem] });
}

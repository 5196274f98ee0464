import { buildRate } from '../../build/estimate.js';
import { editionIncludes, moduleTitles } from '../../license/editions.js';
import type { LicenseVerdict } from '../../license/verdict.js';
import { publicCheck, type PublicLicenseCheck } from '../licenses.js';
import type { AccountFacts } from './account-facts.js';

/**
 * The self-service assessment (B2): everything the seed's support chat checks by hand, in one
 * answer — license (M3), seats against active users with the breakdown (M4), auto-renewal
 * (M5), the edition gap (M6), rented numbers (M8), archive size and build time.
 */
export type Rule = 'M3' | 'M4' | 'M5';

export interface Problem {
  readonly rule: Rule;
  readonly code: 'license' | 'seats' | 'auto-renewal';
  readonly message: string;
  readonly hint: string;
}

export interface Assessment {
  readonly account: { readonly address: string; readonly title: string; readonly cloudEdition: string; readonly status: string };
  readonly license: PublicLicenseCheck;
  readonly eligible: boolean;
  readonly problems: readonly Problem[];
  readonly seats: {
    readonly limit: number | null;
    readonly active: number;
    readonly counted: Record<string, number>;
    readonly notCounted: Record<string, number>;
    readonly ok: boolean;
  };
  readonly autoRenewal: { readonly on: boolean; readonly ok: boolean };
  readonly editionGap: {
    readonly edition: string | null;
    readonly rows: number;
    readonly modules: readonly { readonly module: string; readonly title: string; readonly rows: number; readonly tables: readonly { readonly table: string; readonly rows: number }[] }[];
  };
  readonly telephony: { readonly rentedNumbers: readonly string[]; readonly flagged: boolean };
  readonly estimate: {
    readonly rowBytes: number;
    readonly fileBytes: number;
    readonly kernelBytes: number;
    readonly archiveBytes: number;
    readonly buildSeconds: number;
    /** The vendor's promise for the whole process (M8): 1–5 days, longer with rented numbers. */
    readonly promisedDays: { readonly min: number; readonly max: number };
  };
  readonly flags: readonly string[];
  readonly assessedAt: string;
}

/** M8: rented numbers must be moved with the telephony provider, which adds days. */
export const promisedDays = { normal: { min: 1, max: 5 }, rentedNumbers: { min: 3, max: 10 } } as const;

export function assess(facts: AccountFacts, verdict: LicenseVerdict, kernelBytes: number, at: Date): Assessment {
  const problems: Problem[] = [];
  const license = publicCheck(verdict);
  if (!verdict.valid) problems.push({ rule: 'M3', code: 'license', message: verdict.message, hint: license.hint ?? '' });

  const counted: Record<string, number> = {};
  const notCounted: Record<string, number> = {};
  for (const [kind, n] of Object.entries(facts.usersByKind)) (facts.activeKinds.includes(kind) ? counted : notCounted)[kind] = n;
  for (const kind of facts.activeKinds) counted[kind] ??= 0;
  const active = Object.values(counted).reduce((a, b) => a + b, 0);
  const limit = verdict.license?.seats ?? null;
  const seatsOk = limit !== null && limit >= active;
  if (limit !== null && !seatsOk) {
    problems.push({
      rule: 'M4', code: 'seats',
      message: `the license has ${limit} seats; the account has ${active} active users (${Object.entries(counted).map(([k, n]) => `${n} ${k}`).join(', ')})`,
      hint: 'buy a license with more seats, or deactivate users in the cloud before the snapshot (deactivated users do not count)',
    });
  }
  if (facts.autoRenew) {
    problems.push({ rule: 'M5', code: 'auto-renewal', message: 'the cloud subscription renews automatically', hint: 'switch off auto-renewal of the cloud subscription, then assess again (M5)' });
  }

  const edition = verdict.license?.edition ?? null;
  const gap = new Map<string, { table: string; rows: number }[]>();
  if (edition) {
    for (const t of facts.tables) {
      if (t.rows === 0 || editionIncludes(edition, t.module)) continue;
      gap.set(t.module, [...(gap.get(t.module) ?? []), { table: t.table, rows: t.rows }]);
    }
  }
  const gapModules = [...gap].map(([module, tables]) => ({ module, title: moduleTitles[module] ?? module, rows: tables.reduce((a, t) => a + t.rows, 0), tables }));

  const rowBytes = facts.tables.reduce((a, t) => a + t.bytes, 0);
  const archiveBytes = rowBytes + facts.files.bytes + kernelBytes;
  const flagged = facts.rentedNumbers.length > 0;
  return {
    account: { address: facts.address, title: facts.title, cloudEdition: facts.cloudEdition, status: facts.status },
    license,
    eligible: problems.length === 0,
    problems,
    seats: { limit, active, counted, notCounted, ok: seatsOk },
    autoRenewal: { on: facts.autoRenew, ok: !facts.autoRenew },
    editionGap: { edition, rows: gapModules.reduce((a, m) => a + m.rows, 0), modules: gapModules },
    telephony: { rentedNumbers: facts.rentedNumbers, flagged },
    estimate: {
      rowBytes, fileBytes: facts.files.bytes, kernelBytes, archiveBytes,
      buildSeconds: Math.max(1, Math.round(archiveBytes / buildRate)),
      promisedDays: flagged ? promisedDays.rentedNumbers : promisedDays.normal,
    },
    flags: flagged ? ['rented-numbers'] : [],
    assessedAt: at.toISOString(),
  };
}

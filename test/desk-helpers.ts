import { createDatabase } from '../src/engine/postgres/admin.js';
import { generateSigningKey, type SigningKey } from '../src/core/signing.js';
import { encodeLicense, type LicensePayload } from '../src/license/key.js';
import type { StoreLocation } from '../src/workflow/store/store.js';
import { cleanupDatabases, removeDir, scratchDatabase, tempDir } from './helpers.js';
import path from 'node:path';

/** The two stores every desk suite runs on: the embedded default and a PostgreSQL server. */
export const storeKinds = ['pglite', 'postgres'] as const;
export type StoreKind = (typeof storeKinds)[number];

const folders: string[] = [];

export async function scratchStore(kind: StoreKind, label: string): Promise<StoreLocation> {
  if (kind === 'pglite') {
    const folder = await tempDir(`desk-${label}`);
    folders.push(folder);
    return { engine: 'pglite', dir: path.join(folder, 'desk', 'db') };
  }
  const url = scratchDatabase(`desk_${label}`);
  await createDatabase(url);
  return { engine: 'postgres', url };
}

/** Drops the scratch stores of this process: PostgreSQL databases and embedded folders. */
export async function cleanupStores(): Promise<void> {
  await cleanupDatabases();
  for (const folder of folders.splice(0)) await removeDir(folder);
}

/** A fixed clock the test moves by hand. */
export function manualClock(start: string): { now: () => Date; set(iso: string): void; advanceHours(h: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(iso) {
      current = new Date(iso);
    },
    advanceHours(h) {
      current = new Date(current.getTime() + h * 3600_000);
    },
  };
}

let counter = 0;

export function licenseKeyFor(signer: SigningKey, fields: Partial<Omit<LicensePayload, 'v' | 'signer'>> = {}): string {
  return encodeLicense({
    v: 1,
    id: `L-${(0xa0000000000 + counter++).toString(16).toUpperCase().padStart(12, '0')}`,
    product: 'reference-intranet',
    kind: 'onpremise',
    edition: 'professional',
    seats: 1000,
    supportUntil: '2027-12-31',
    issuedAt: '2026-11-01T00:00:00.000Z',
    ...fields,
  }, signer);
}

export { generateSigningKey };

import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { vendorDir } from '../src/cli/trusted-keys.js';
import { loadOrCreateSigningKey } from '../src/core/keystore.js';
import { silentProgress } from '../src/core/progress.js';
import type { SigningKey } from '../src/core/signing.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { setCloudPassword } from '../src/platform/passwords.js';
import { buildDeskApp } from '../src/server/desk/app.js';
import { openDesk, type Desk } from '../src/workflow/desk.js';
import type { Notice } from '../src/workflow/notifications.js';
import { licenseKeyFor, manualClock } from './desk-helpers.js';
import { removeDir, tempDir } from './helpers.js';

/**
 * A real desk for the web UI's tests: a small reference cloud (acme: auto-renewal off and a
 * rented number; globex: auto-renewal still on), an operator, the desk API with the built web UI
 * listening on a port, and a clock the test moves. The license signer is the vendor key in the
 * home, so `repatriate restore` with this home trusts the licenses and the archives.
 */
export const acme = 'https://acme.cloud.example';
export const globex = 'https://globex.cloud.example';
export const admins = {
  acme: { accountUrl: acme, login: 'admin@acme.cloud.example', password: 'acme admin password 1' },
  globex: { accountUrl: globex, login: 'admin@globex.cloud.example', password: 'globex admin password 2' },
};
export const operator = { email: 'olga@vendor.example', password: 'operator passphrase one' };

export interface WebDesk {
  readonly home: string;
  readonly url: string;
  readonly desk: Desk;
  readonly app: FastifyInstance;
  readonly clock: ReturnType<typeof manualClock>;
  readonly signer: SigningKey;
  readonly secretMails: Notice[];
  /** A new on-premise license key (professional, 1000 seats), activated and registered when `ready`. */
  license(options?: { ready?: boolean; edition?: 'standard' | 'professional' | 'enterprise' }): Promise<string>;
  close(): Promise<void>;
}

/** YYYY-MM-DD `days` after the clock's day. */
export function dayAfter(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

export async function startWebDesk(label: string): Promise<WebDesk> {
  const home = await tempDir(label);
  await initCloud(home, { seed: 9, tenants: 2, size: 2e6 }, silentProgress);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, acme, admins.acme.login, admins.acme.password);
    await setCloudPassword(cloud.db, globex, admins.globex.login, admins.globex.password);
    await cloud.db.query('UPDATE cloud_tenant SET auto_renew = (address = $1)', [globex]);
    await cloud.db.query('UPDATE b_voximplant_number SET rented = false');
    await cloud.db.query(
      "INSERT INTO b_voximplant_number (id, tenant_id, number, country_code, rented, monthly_fee) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM b_voximplant_number), (SELECT id FROM cloud_tenant WHERE address = $1), '+4930555000111', 'DE', true, 9.90)",
      [acme],
    );
  });
  const signer = await loadOrCreateSigningKey(vendorDir(home), 'license-key');
  // The desk's clock starts at the real time (the browser's), to the minute; tests move it to the final date.
  const clock = manualClock(new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString());
  const secretMails: Notice[] = [];
  const desk = await openDesk({ home, clock: clock.now, licenseKeys: [signer.publicKey], publicUrl: 'https://desk.vendor.example', onSecretMail: (n) => secretMails.push(n), volumeSize: 512 * 1024 });
  await desk.addOperator(operator.email, operator.password, 'cli:test');
  // Plain HTTP on 127.0.0.1: the session cookie goes without the Secure flag.
  const app = await buildDeskApp({ desk, secureCookies: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    home, url, desk, app, clock, signer, secretMails,
    async license(options = {}) {
      const key = licenseKeyFor(signer, { edition: options.edition ?? 'professional', seats: 1000, supportUntil: '2099-12-31' });
      if (options.ready ?? true) {
        for (const [path, body] of [['activation', { installationUrl: 'https://intranet.customer.example' }], ['registration', { owner: 'Owner GmbH', email: 'owner@customer.example' }]] as const) {
          const r = await app.inject({ method: 'POST', url: `/api/licenses/${key}/${path}`, payload: body });
          assert.equal(r.statusCode, 200, r.body);
        }
      }
      return key;
    },
    async close() {
      await app.close();
      await desk.close();
      await removeDir(home);
    },
  };
}

import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { RepatriateError } from '../core/errors.js';
import type { SqlClient } from '../engine/types.js';
import { findKernelRelease } from '../build/kernel.js';
import type { Manifest } from '../manifest/schema.js';
import { openCloud } from '../platform/cloud.js';
import { setAccountState } from '../platform/freeze.js';
import { referenceManifest } from '../platform/manifest.js';
import { readAccountFacts, type AccountFacts } from './assessment/account-facts.js';

/**
 * The desk's view of the cloud it serves: facts for the assessment, the kernel release an
 * account would get, and the check that a person signing in is an administrator of the
 * account (M2) — against the cloud's own password hashes, so the customer never hands
 * credentials to support.
 */
export interface Administrator {
  readonly accountUrl: string;
  readonly login: string;
  readonly email: string | null;
}

export interface CloudGateway {
  /** Opens the cloud's database now rather than on first use (an embedded one takes a moment). */
  open(): Promise<void>;
  accountFacts(address: string): Promise<AccountFacts>;
  kernelBytes(modules: Record<string, string>): Promise<number>;
  verifyAdministrator(address: string, login: string, password: string): Promise<Administrator>;
  /** M7: the platform's database-enforced freeze of the live account (idempotent). */
  freezeAccount(address: string): Promise<void>;
  close(): Promise<void>;
}

const wrongLogin = (): RepatriateError =>
  new RepatriateError('REPAT_DESK_AUTH', 'wrong account, login or password', { hint: 'sign in with your cloud administrator login and password' });

// A real hash to verify against when the login is unknown, so the answer takes as long either way.
let decoy: Promise<string> | undefined;
const decoyHash = (): Promise<string> => (decoy ??= hash(randomBytes(16).toString('hex')));

export function referenceCloudGateway(home: string, manifest: Manifest = referenceManifest()): CloudGateway {
  let opened: Promise<{ db: SqlClient; kernel: string }> | undefined;
  const cloud = (): Promise<{ db: SqlClient; kernel: string }> => {
    opened ??= openCloud(home).then((c) => ({ db: c.db, kernel: c.paths.kernel }));
    opened.catch(() => (opened = undefined));
    return opened;
  };
  return {
    async open() {
      await cloud();
    },
    async accountFacts(address) {
      return readAccountFacts((await cloud()).db, manifest, address);
    },
    async kernelBytes(modules) {
      const release = await findKernelRelease((await cloud()).kernel, modules).catch(() => undefined);
      return release ? release.files.reduce((a, f) => a + f.size, 0) : 0;
    },
    async verifyAdministrator(address, login, password) {
      const { db } = await cloud();
      const [user] = await db.query<{ password: string; active: boolean; email: string | null; admin: boolean }>(
        `SELECT u.password, u.active, u.email,
                EXISTS (SELECT 1 FROM b_user_group ug JOIN b_group g ON g.id = ug.group_id WHERE ug.user_id = u.id AND g.string_id = 'ADMIN') AS admin
           FROM b_user u JOIN cloud_tenant t ON t.id = u.tenant_id WHERE t.address = $1 AND u.login = $2`,
        [address, login],
      );
      const real = user?.password.startsWith('$argon2') ? user.password : undefined;
      const matches = await verify(real ?? (await decoyHash()), password).catch(() => false);
      if (!user || !real || !matches || !user.active) throw wrongLogin();
      if (!user.admin) {
        throw new RepatriateError('REPAT_DESK_FORBIDDEN', `${login} is not an administrator of ${address}`, { hint: 'an administrator of the cloud account must ask for the migration (M2)' });
      }
      return { accountUrl: address, login, email: user.email };
    },
    async freezeAccount(address) {
      await setAccountState((await cloud()).db, address, 'frozen');
    },
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.db.close();
      opened = undefined;
    },
  };
}

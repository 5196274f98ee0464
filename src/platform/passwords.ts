import { hash } from '@node-rs/argon2';
import { RepatriateError } from '../core/errors.js';
import type { SqlClient } from '../engine/types.js';

/**
 * Gives a user of the reference cloud a real password: an argon2id hash in `b_user.password`,
 * the column the manifest marks secret (it never leaves the cloud). The generator fills that
 * column with unusable placeholder hashes; the vendor desk signs an account's administrator
 * in against it (M2).
 */
export async function setCloudPassword(db: SqlClient, address: string, login: string, password: string): Promise<{ userId: number }> {
  if (password.length < 8) throw new RepatriateError('REPAT_USAGE', 'the password is shorter than 8 characters', { hint: 'choose a longer password' });
  const rows = await db.query<{ id: string }>(
    'SELECT u.id FROM b_user u JOIN cloud_tenant t ON t.id = u.tenant_id WHERE t.address = $1 AND u.login = $2',
    [address, login],
  );
  const user = rows[0];
  if (!user) {
    throw new RepatriateError('REPAT_ACCOUNT_UNKNOWN', `no user ${login} in the account ${address}`, {
      hint: 'the administrator of a generated account logs in as admin@<host>, e.g. admin@acme.cloud.example',
    });
  }
  await db.query('UPDATE b_user SET password = $2 WHERE id = $1', [user.id, await hash(password)]);
  return { userId: Number(user.id) };
}

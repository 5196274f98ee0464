import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKey, publicKeyFromPem, signingKeyFromPem, type SigningKey } from './signing.js';

/**
 * The vendor's signing key lives in the vendor's config folder, generated once. The restore
 * side trusts the public keys in its trust folder (the vendor's public key ships there).
 *
 *   <vendorDir>/signing-key.pem        Ed25519 private key, mode 0600
 *   <vendorDir>/signing-key.pub.pem    its public key, to ship with the restore side
 *   <trustDir>/*.pub.pem               public keys a restore accepts
 */
export async function loadOrCreateSigningKey(vendorDir: string): Promise<SigningKey> {
  const file = path.join(vendorDir, 'signing-key.pem');
  try {
    return signingKeyFromPem(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = generateSigningKey();
  await mkdir(vendorDir, { recursive: true, mode: 0o700 });
  await writeFile(file, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  await writeFile(path.join(vendorDir, 'signing-key.pub.pem'), key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
  return key;
}

export async function trustedKeys(dirs: readonly string[]): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.pub.pem')).sort()) keys.push(publicKeyFromPem(await readFile(path.join(dir, name), 'utf8')));
  }
  return keys;
}

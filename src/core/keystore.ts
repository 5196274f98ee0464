import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKey, publicKeyFromPem, signingKeyFromPem, type SigningKey } from './signing.js';

/**
 * The vendor's signing keys live in the vendor's config folder, each generated once: one for
 * archives (`signing-key`), one for license keys (`license-key`). The customer's side trusts
 * the public keys in its trust folders (the vendor's public keys ship there).
 *
 *   <vendorDir>/<name>.pem        Ed25519 private key, mode 0600
 *   <vendorDir>/<name>.pub.pem    its public key, to ship with the restore side
 *   <trustDir>/*.pub.pem          public keys the customer's side accepts
 */
export async function loadOrCreateSigningKey(vendorDir: string, name = 'signing-key'): Promise<SigningKey> {
  const file = path.join(vendorDir, `${name}.pem`);
  try {
    return signingKeyFromPem(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = generateSigningKey();
  await mkdir(vendorDir, { recursive: true, mode: 0o700 });
  await writeFile(file, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  await writeFile(path.join(vendorDir, `${name}.pub.pem`), key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
  return key;
}

/** Public keys of one purpose (`<name>*.pub.pem`), so an archive key never vouches for a license and the reverse. */
export async function trustedKeys(dirs: readonly string[], name: 'signing-key' | 'license-key'): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  for (const dir of dirs) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files.filter((n) => n.startsWith(name) && n.endsWith('.pub.pem')).sort()) keys.push(publicKeyFromPem(await readFile(path.join(dir, file), 'utf8')));
  }
  return keys;
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepatriateError } from '../core/errors.js';

/**
 * The desk's server key: 32 bytes that seal archive passwords at rest (AES-256-GCM). From
 * $REPATRIATE_DESK_KEY (base64) when set — so several desk processes share one — otherwise
 * generated once into `$REPATRIATE_HOME/desk/server.key`, mode 0600.
 */
export interface ServerKey {
  seal(plaintext: string, boundTo: string): string;
  open(sealed: string, boundTo: string): string;
}

const keyError = (where: string): RepatriateError =>
  new RepatriateError('REPAT_DESK_KEY', `the desk server key in ${where} is not 32 bytes of base64`, { hint: 'generate one with `openssl rand -base64 32`; a lost key makes stored archive passwords unreadable' });

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw keyError(where);
  return key;
}

export function serverKeyFile(home: string): string {
  return path.join(home, 'desk', 'server.key');
}

export async function loadServerKey(home: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerKey> {
  const fromEnv = env['REPATRIATE_DESK_KEY'];
  if (fromEnv) return serverKey(decodeKey(fromEnv, '$REPATRIATE_DESK_KEY'));
  const file = serverKeyFile(home);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return serverKey(decodeKey(existing, file));
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': two processes starting at once must not each write their own key.
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await chmod(file, 0o600);
  return serverKey(decodeKey(await readFile(file, 'utf8'), file));
}

/** Sealed text: `v1.<iv>.<tag>.<ciphertext>` (base64url); the binding (e.g. `request:7`) is the AAD, so a sealed value cannot be moved to another row. */
export function serverKey(key: Buffer): ServerKey {
  return {
    seal(plaintext, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, boundTo) {
      const [version, iv, tag, body] = sealed.split('.');
      try {
        if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('malformed');
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(boundTo));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new RepatriateError('REPAT_DESK_KEY', `the stored archive password of ${boundTo} does not open with this server key`, { hint: 'the desk runs with another key than the one that sealed it; restore $REPATRIATE_DESK_KEY or desk/server.key' });
      }
    },
  };
}

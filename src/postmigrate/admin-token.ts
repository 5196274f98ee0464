import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import { assistantDir } from './installation.js';

/**
 * The administrator's bearer token for the assistant's task routes. Made once per installation
 * and kept beside its certificate key (mode 0600): whoever can read the data directory is the
 * administrator anyway. `REPATRIATE_ADMIN_TOKEN` replaces it (a secret store, a container).
 */
export function adminTokenFile(dataDir: string): string {
  return path.join(assistantDir(dataDir), 'admin-token');
}

export async function loadOrCreateAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ readonly token: string; readonly source: string }> {
  const configured = env['REPATRIATE_ADMIN_TOKEN'];
  if (configured !== undefined && configured.length > 0) {
    if (configured.length < 16) throw usageError('REPATRIATE_ADMIN_TOKEN is shorter than 16 characters', 'use a long random value, e.g. `openssl rand -base64 32`');
    return { token: configured, source: 'REPATRIATE_ADMIN_TOKEN' };
  }
  const file = adminTokenFile(dataDir);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return { token: existing.trim(), source: file };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, source: file };
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { loadOrCreateSigningKey } from '../core/keystore.js';
import { signTelephonyRequest, type SignedTelephonyRequest, type TelephonyTransferRequest } from '../license/telephony-request.js';
import { publicAddress } from './address.js';
import { assistantDir, type Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';
import { checkInstalledCertificate, type TlsTrust } from './tls.js';

/**
 * P10: rented numbers and the telephony account move only on request, and only once the account
 * is restored and the installation has a trusted certificate (the telephony provider calls it
 * over HTTPS). The request carries the license key and the rented numbers, is signed with the
 * installation's own Ed25519 key (made once, kept in the assistant's folder), and goes to the
 * vendor desk's API — or, when the desk cannot be reached, into a file the customer sends.
 */
const recordSchema = z.discriminatedUnion('delivery', [
  z.object({ delivery: z.literal('desk'), id: z.string(), state: z.string(), deskUrl: z.string(), at: z.string() }),
  z.object({ delivery: z.literal('file'), file: z.string(), reason: z.string(), at: z.string() }),
]);
export type TelephonyRecord = z.infer<typeof recordSchema>;

export const requestFile = (dataDir: string): string => path.join(assistantDir(dataDir), 'telephony-request.json');

async function rentedNumbers(inst: Installation): Promise<string[]> {
  const rows = await inst.db.query<{ number: string }>('SELECT number FROM b_voximplant_number WHERE rented = TRUE AND to_delete = FALSE ORDER BY number');
  return rows.map((r) => r.number);
}

/** Why a request cannot be filed yet, or undefined when it can. */
async function blockedBecause(inst: Installation, trust?: TlsTrust): Promise<string | undefined> {
  if (!inst.restoreComplete) return 'the restore is not complete (no contents.json in the data directory)';
  const tls = await checkInstalledCertificate(inst, trust);
  if (!tls.trusted) return `no trusted certificate is installed (R5: ${tls.problems.join('; ')})`;
  if (!(await publicAddress(inst))) return 'the public address is not set (P5)';
  return undefined;
}

export async function telephonyStatus(inst: Installation, trust?: TlsTrust): Promise<TaskStatus> {
  const numbers = await rentedNumbers(inst);
  const record = await readRecord(inst.db, 'P10', recordSchema);
  if (record?.delivery === 'desk') return status('P10', 'done', `request ${record.id} is with the vendor desk (${record.state}) since ${record.at}`, { ...record, numbers });
  const blocked = await blockedBecause(inst, trust);
  if (blocked) return status('P10', 'blocked', `a telephony transfer request cannot be filed yet: ${blocked}`, { numbers });
  if (record?.delivery === 'file') return status('P10', 'todo', `the desk was unreachable (${record.reason}); the signed request is in ${record.file}: send it to the vendor, or file again`, { ...record, numbers });
  return status('P10', 'todo', numbers.length > 0 ? `ready to request the transfer of ${numbers.length} rented numbers` : 'ready to request the transfer of the telephony account (no rented numbers)', { numbers });
}

async function licenseKeyOf(inst: Installation, given?: string): Promise<string> {
  let key = given?.trim();
  if (!key) {
    const php = await readFile(path.join(inst.dataDir, 'bitrix', 'license_key.php'), 'utf8').catch(() => '');
    key = /\$LICENSE_KEY\s*=\s*'([^']*)'/.exec(php)?.[1] ?? '';
  }
  if (!/^RPL1\.[A-Za-z0-9_.-]+$/.test(key)) {
    throw new RepatriateError('REPAT_USAGE', key ? 'the license key is malformed' : 'the telephony request needs the license key', { hint: 'give --license RPL1.… (the key the restore used)' });
  }
  return key;
}

export interface TelephonyOutcome {
  readonly delivery: 'desk' | 'file';
  readonly id?: string;
  readonly file?: string;
  readonly reason?: string;
  readonly signed: SignedTelephonyRequest;
}

export async function fileTelephonyRequest(inst: Installation, options: { deskUrl: string; licenseKey?: string; trust?: TlsTrust; timeoutMs?: number }): Promise<TelephonyOutcome> {
  const blocked = await blockedBecause(inst, options.trust);
  if (blocked) throw new RepatriateError('REPAT_ONPREM_BLOCKED', `a telephony transfer request cannot be filed yet: ${blocked}`, { hint: 'finish the steps named above first; `onprem status` shows them' });
  const tls = await checkInstalledCertificate(inst, options.trust);
  const now = inst.clock();
  const request: TelephonyTransferRequest = {
    v: 1,
    licenseKey: await licenseKeyOf(inst, options.licenseKey),
    accountUrl: inst.header.account.address,
    installationUrl: (await publicAddress(inst))!,
    numbers: await rentedNumbers(inst),
    certificateSha256: tls.sha256,
    createdAt: now.toISOString(),
  };
  const signed = signTelephonyRequest(request, await loadOrCreateSigningKey(assistantDir(inst.dataDir), 'installation-key'));
  const endpoint = `${options.deskUrl.replace(/\/$/, '')}/api/telephony-requests`;
  let response: Response | undefined;
  let reason: string;
  try {
    response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed), signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    reason = `HTTP ${response.status}`;
  } catch (cause) {
    reason = (cause as Error).cause instanceof Error ? ((cause as Error).cause as Error).message : (cause as Error).message;
  }
  if (response && response.status === 201) {
    const body = (await response.json()) as { id?: unknown; state?: unknown };
    const record = { delivery: 'desk' as const, id: String(body.id), state: String(body.state ?? 'received'), deskUrl: options.deskUrl, at: now.toISOString() };
    await writeRecord(inst.db, 'P10', record, now);
    return { delivery: 'desk', id: record.id, signed };
  }
  if (response && response.status >= 400 && response.status < 500) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new RepatriateError('REPAT_ONPREM_BLOCKED', `the vendor desk refused the telephony request: ${body.error?.message ?? `HTTP ${response.status}`}`, { hint: 'check the license key; nothing was recorded' });
  }
  const file = requestFile(inst.dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(signed, null, 2) + '\n');
  await writeRecord(inst.db, 'P10', { delivery: 'file', file, reason: `${endpoint}: ${reason}`, at: now.toISOString() }, now);
  return { delivery: 'file', file, reason, signed };
}

import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import type { Db } from './db.js';
import { text } from './db.js';
import type { Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P5: the channels, open lines and bots call the installation back at its public address, kept
 * in their modules' options. The assistant replaces the cloud address there, shows before →
 * after, and lists every other place that still names the cloud address or host.
 */
export const addressModules = ['imconnector', 'imopenlines', 'imbot'] as const;

const recordSchema = z.object({ publicAddress: z.string(), oldAddress: z.string(), changedAt: z.string() });
export type AddressRecord = z.infer<typeof recordSchema>;

/** Places outside the three modules' options where an address can remain. */
const otherPlaces: readonly { readonly table: string; readonly column: string; readonly key: string }[] = [
  { table: 'b_option', column: 'value', key: "concat(module_id, '.', name)" },
  { table: 'b_imconnector_status', column: 'data', key: 'id' },
  { table: 'b_landing_block', column: 'content', key: 'id' },
  { table: 'b_crm_webform_result', column: 'origin_url', key: 'id' },
  { table: 'b_mail_smtp', column: 'from_email', key: 'id' },
];

export function normaliseAddress(value: string): string {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `https://${value}`);
  } catch {
    throw new RepatriateError('REPAT_USAGE', `"${value}" is not an address`, { hint: 'write it like https://intranet.example.com' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RepatriateError('REPAT_USAGE', `"${value}" is not an http(s) address`, { hint: 'write it like https://intranet.example.com' });
  return `${url.protocol}//${url.host}`;
}

export function asText(db: Db, column: string): string {
  return db.engine === 'mysql' ? `CAST(${column} AS CHAR)` : `${column}::text`;
}

export async function publicAddress(inst: Installation): Promise<string | undefined> {
  return (await readRecord(inst.db, 'P5', recordSchema))?.publicAddress;
}

interface OptionValue {
  readonly module: string;
  readonly name: string;
  readonly value: string;
}

async function moduleOptions(inst: Installation, holding: string): Promise<OptionValue[]> {
  const rows = await inst.db.query<{ module_id: string; name: string; value: unknown }>(
    `SELECT module_id, name, value FROM b_option WHERE module_id IN (${addressModules.map(() => '?').join(', ')}) AND value LIKE ? ORDER BY module_id, name`,
    [...addressModules, `%${holding}%`],
  );
  return rows.map((r) => ({ module: r.module_id, name: r.name, value: text(r.value) ?? '' }));
}

export interface RemainingPlace {
  readonly table: string;
  readonly column: string;
  readonly rows: number;
  readonly examples: readonly string[];
}

/** Every place outside the three modules that still names the old host. */
export async function remainingPlaces(inst: Installation, oldAddress: string): Promise<RemainingPlace[]> {
  const host = new URL(oldAddress).host;
  const places: RemainingPlace[] = [];
  for (const place of otherPlaces) {
    const excludeModules = place.table === 'b_option' ? ` AND module_id NOT IN (${addressModules.map(() => '?').join(', ')})` : '';
    const params = [`%${host}%`, ...(place.table === 'b_option' ? addressModules : [])];
    const where = `${asText(inst.db, place.column)} LIKE ?${excludeModules}`;
    const rows = await inst.db.count(`SELECT count(*) AS n FROM ${place.table} WHERE ${where}`, params);
    if (rows === 0) continue;
    const examples = await inst.db.query<{ k: unknown }>(`SELECT ${place.key} AS k FROM ${place.table} WHERE ${where} ORDER BY 1 LIMIT 5`, params);
    places.push({ table: place.table, column: place.column, rows, examples: examples.map((e) => String(e.k)) });
  }
  return places;
}

export async function addressStatus(inst: Installation): Promise<TaskStatus> {
  const old = inst.header.account.address;
  const stale = await moduleOptions(inst, old);
  const record = await readRecord(inst.db, 'P5', recordSchema);
  if (stale.length > 0) return status('P5', 'todo', `${stale.length} options of ${addressModules.join(', ')} still hold the cloud address ${old}`, { stale });
  if (!record) return status('P5', 'todo', 'the public address of this installation is not set yet');
  const remaining = await remainingPlaces(inst, old);
  const rest = remaining.length > 0 ? `; ${remaining.reduce((n, p) => n + p.rows, 0)} values elsewhere still name ${new URL(old).host}` : '';
  return status('P5', 'done', `imconnector, imopenlines and imbot call back ${record.publicAddress}${rest}`, { ...record, remaining });
}

export interface AddressChange {
  readonly module: string;
  readonly name: string;
  readonly before: string;
  readonly after: string;
}

export interface AddressReport {
  readonly oldAddress: string;
  readonly publicAddress: string;
  readonly changes: readonly AddressChange[];
  readonly remaining: readonly RemainingPlace[];
}

export async function setPublicAddress(inst: Installation, options: { to: string; from?: string }): Promise<AddressReport> {
  const to = normaliseAddress(options.to);
  const cloud = inst.header.account.address;
  const previous = await readRecord(inst.db, 'P5', recordSchema);
  // A second run moves the address again, from the one set last.
  const holding = previous?.publicAddress ?? cloud;
  const from = options.from ? normaliseAddress(options.from) : holding;
  if (from !== holding && from !== cloud) {
    throw new RepatriateError('REPAT_ONPREM_ADDRESS_MISMATCH', `${from} is not the address this installation holds (${holding})`, { hint: `leave out --from, or give ${holding}; nothing was changed` });
  }
  const found = [...(await moduleOptions(inst, cloud)), ...(previous && previous.publicAddress !== cloud ? await moduleOptions(inst, previous.publicAddress) : [])];
  const changes: AddressChange[] = [];
  for (const option of found) {
    const after = option.value.split(cloud).join(to).split(holding).join(to);
    if (after === option.value) continue;
    await inst.db.query('UPDATE b_option SET value = ? WHERE module_id = ? AND name = ?', [after, option.module, option.name]);
    changes.push({ module: option.module, name: option.name, before: option.value, after });
  }
  const now = inst.clock();
  await writeRecord(inst.db, 'P5', { publicAddress: to, oldAddress: cloud, changedAt: now.toISOString() }, now);
  return { oldAddress: cloud, publicAddress: to, changes, remaining: await remainingPlaces(inst, cloud) };
}

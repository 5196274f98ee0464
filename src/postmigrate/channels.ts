import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { text, truthy } from './db.js';
import type { Installation } from './installation.js';
import { publicAddress } from './address.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P6: external channels (Telegram, WhatsApp, Instagram …) were connected to the cloud's address
 * with tokens that stay in the cloud, so each must be reconnected from the installation. The
 * list comes from the restored connector status; the assistant tracks which are reconnected.
 */
const recordSchema = z.object({ reconnected: z.record(z.string(), z.string()) });

export interface Channel {
  readonly id: number;
  readonly connector: string;
  readonly lineId: number;
  readonly name: string | null;
  readonly wasConnected: boolean;
  /** Where the channel must call back from now on (null until P5 set the public address). */
  readonly webhook: string | null;
  readonly reconnectedAt: string | null;
}

export async function listChannels(inst: Installation): Promise<Channel[]> {
  const record = (await readRecord(inst.db, 'P6', recordSchema)) ?? { reconnected: {} };
  const address = await publicAddress(inst);
  const rows = await inst.db.query<{ id: unknown; connector: string; line_id: unknown; connection: unknown; data: unknown }>(
    'SELECT id, connector, line_id, connection, data FROM b_imconnector_status WHERE active = TRUE ORDER BY id',
  );
  return rows.map((r) => {
    const data = parseData(r.data);
    const id = Number(r.id);
    const path = data.webhook ? new URL(data.webhook).pathname + new URL(data.webhook).search : null;
    return {
      id,
      connector: r.connector,
      lineId: Number(r.line_id),
      name: data.page_name ?? null,
      wasConnected: truthy(r.connection),
      webhook: address && path ? `${address}${path}` : null,
      reconnectedAt: record.reconnected[String(id)] ?? null,
    };
  });
}

/** The connector's settings: PostgreSQL hands jsonb over parsed, MySQL as text. */
function parseData(value: unknown): { webhook?: string; page_name?: string } {
  if (value === null || value === undefined) return {};
  try {
    const parsed = (typeof value === 'object' && !Buffer.isBuffer(value) ? value : JSON.parse(text(value) ?? '')) as { webhook?: unknown; page_name?: unknown };
    return { ...(typeof parsed.webhook === 'string' ? { webhook: parsed.webhook } : {}), ...(typeof parsed.page_name === 'string' ? { page_name: parsed.page_name } : {}) };
  } catch {
    return {};
  }
}

export async function channelsStatus(inst: Installation): Promise<TaskStatus> {
  const channels = await listChannels(inst);
  const open = channels.filter((c) => !c.reconnectedAt);
  if (open.length === 0) return status('P6', 'done', channels.length === 0 ? 'the account had no external channels' : `all ${channels.length} channels are reconnected`, { channels });
  return status('P6', 'todo', `${open.length} of ${channels.length} channels must be reconnected (${[...new Set(open.map((c) => c.connector))].join(', ')})`, { channels });
}

/** Records that the administrator reconnected these channels (ids from the list). */
export async function markReconnected(inst: Installation, ids: readonly number[]): Promise<Channel[]> {
  const channels = await listChannels(inst);
  const unknown = ids.filter((id) => !channels.some((c) => c.id === id));
  if (unknown.length > 0) throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `no channel with the id ${unknown.join(', ')}`, { hint: 'the channel list (`onprem P6 list`) shows the ids' });
  const record = (await readRecord(inst.db, 'P6', recordSchema)) ?? { reconnected: {} };
  const now = inst.clock();
  for (const id of ids) record.reconnected[String(id)] ??= now.toISOString();
  await writeRecord(inst.db, 'P6', record, now);
  return listChannels(inst);
}

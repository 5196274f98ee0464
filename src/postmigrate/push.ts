import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { text } from './db.js';
import type { Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P7: the push & pull module talks to a push server; in the cloud that is the vendor's shared
 * one. The administrator names their own; the assistant writes the module's addresses and
 * checks that the server answers (GET <server>/server-stat/).
 */
const recordSchema = z.object({ server: z.string(), checkedAt: z.string(), httpStatus: z.number() });
const checkTimeoutMs = 5000;

function pushOptions(server: URL): Record<string, string> {
  const base = `${server.host}${server.pathname.replace(/\/$/, '')}`;
  return {
    path_to_listener: `http://${base}/sub/`,
    path_to_listener_secure: `https://${base}/sub/`,
    path_to_websocket: `ws://${base}/subws/`,
    path_to_websocket_secure: `wss://${base}/subws/`,
    path_to_publish: `${server.protocol}//${base}/pub/`,
  };
}

export async function pushStatus(inst: Installation): Promise<TaskStatus> {
  const record = await readRecord(inst.db, 'P7', recordSchema);
  const rows = await inst.db.query<{ name: string; value: unknown }>("SELECT name, value FROM b_option WHERE module_id = 'pull' AND name = 'path_to_publish'");
  const publish = text(rows[0]?.value) ?? null;
  if (!record) return status('P7', 'todo', `the push server is still the cloud's (${publish ?? 'unset'}): set your own and check it answers`, { publish });
  const expected = pushOptions(new URL(record.server)).path_to_publish;
  if (publish !== expected) return status('P7', 'todo', `the push module publishes to ${publish ?? 'nothing'}, not to ${record.server}: set the server again`, { publish });
  return status('P7', 'done', `push server ${record.server} answered (HTTP ${record.httpStatus}) at ${record.checkedAt}`, record);
}

export async function configurePush(inst: Installation, serverText: string): Promise<{ readonly server: string; readonly httpStatus: number; readonly options: Record<string, string> }> {
  let server: URL;
  try {
    server = new URL(serverText);
    if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new RepatriateError('REPAT_USAGE', `"${serverText}" is not a push server address`, { hint: 'write it like https://push.intranet.example.com' });
  }
  const probe = new URL('server-stat/', server.href.endsWith('/') ? server.href : `${server.href}/`);
  let httpStatus: number;
  try {
    const response = await fetch(probe, { signal: AbortSignal.timeout(checkTimeoutMs) });
    httpStatus = response.status;
    await response.body?.cancel();
  } catch (cause) {
    throw new RepatriateError('REPAT_ONPREM_UNREACHABLE', `the push server ${server.origin} does not answer: ${(cause as Error).message}`, {
      hint: 'start the push server (or fix the address, firewall, DNS) and run the command again; nothing was changed',
      cause,
    });
  }
  if (httpStatus >= 500) throw new RepatriateError('REPAT_ONPREM_UNREACHABLE', `the push server ${server.origin} answered HTTP ${httpStatus}`, { hint: 'check the push server\'s log; nothing was changed' });
  const options = pushOptions(server);
  for (const [name, value] of Object.entries(options)) {
    const exists = await inst.db.count("SELECT count(*) AS n FROM b_option WHERE module_id = 'pull' AND name = ?", [name]);
    if (exists > 0) await inst.db.query("UPDATE b_option SET value = ? WHERE module_id = 'pull' AND name = ?", [value, name]);
    else await inst.db.query("INSERT INTO b_option (module_id, name, value) VALUES ('pull', ?, ?)", [name, value]);
  }
  const now = inst.clock();
  const result = { server: server.href.replace(/\/$/, ''), httpStatus };
  await writeRecord(inst.db, 'P7', { ...result, checkedAt: now.toISOString() }, now);
  return { ...result, options };
}

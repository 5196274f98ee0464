import { createHash, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepatriateError, type ErrorCode } from '../core/errors.js';
import { chunkSize, indexName, indexSchema, type ArchiveIndex, type VolumeRecord } from './format.js';
import { checkSignature } from './reader.js';

/**
 * Fetches an archive from the vendor desk (M12): the signed index first (its signature checked
 * against the trusted vendor keys), then every 64 MiB chunk of every volume as an HTTP range,
 * several at once, each checked against its SHA-256 in the index. A chunk that does not match
 * is fetched again; a broken connection continues from the last byte received; a new run
 * continues from the chunks already verified (`.download.json` beside the partial volumes).
 */
export interface DownloadOptions {
  readonly deskUrl: string;
  readonly requestId: number;
  readonly token: string;
  readonly out: string;
  readonly trusted: readonly KeyObject[];
  readonly parallel?: number;
  /** Attempts per chunk for broken connections and for mismatching bytes (default 5). */
  readonly attempts?: number;
  readonly onChunk?: (event: { volume: string; chunk: number; bytes: number }) => void;
}

export interface DownloadReport {
  readonly archiveId: string;
  readonly out: string;
  readonly volumes: number;
  readonly bytes: number;
  /** Bytes fetched by this run (less than `bytes` when it resumed). */
  readonly fetchedBytes: number;
  /** Chunks a previous run had verified, kept. */
  readonly keptChunks: number;
  /** Chunks that arrived altered and were fetched again. */
  readonly refetchedChunks: number;
  /** Connections that broke and were continued from the byte they reached. */
  readonly resumedConnections: number;
}

const stateName = '.download.json';
interface State { archiveId: string; verified: Record<string, number[]> }

const failed = (message: string, cause?: unknown): RepatriateError =>
  new RepatriateError('REPAT_DOWNLOAD_FAILED', message, { hint: 'run the same command again: it continues from the chunks already verified', cause });

async function answerError(response: Response, what: string): Promise<RepatriateError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string; hint?: string } } | undefined;
  const known: Partial<Record<number, ErrorCode>> = { 401: 'REPAT_DESK_AUTH', 403: 'REPAT_DESK_FORBIDDEN', 404: 'REPAT_DESK_NOT_FOUND', 409: 'REPAT_DESK_STATE', 410: 'REPAT_DESK_GONE', 416: 'REPAT_DESK_RANGE' };
  const code = known[response.status] ?? 'REPAT_DOWNLOAD_FAILED';
  return new RepatriateError(code, `${what}: ${body?.error?.message ?? `HTTP ${response.status}`}`, { hint: body?.error?.hint ?? 'check the request number and that you are signed in as its account\'s administrator' });
}

export async function downloadArchive(o: DownloadOptions): Promise<DownloadReport> {
  const base = `${o.deskUrl.replace(/\/+$/, '')}/api/requests/${o.requestId}/archive`;
  const headers = { authorization: `Bearer ${o.token}` };
  const attempts = o.attempts ?? 5;

  let indexResponse: Response;
  try {
    indexResponse = await fetch(`${base}/${indexName}`, { headers });
  } catch (cause) {
    throw new RepatriateError('REPAT_DOWNLOAD_FAILED', `the desk at ${o.deskUrl} does not answer`, { hint: 'check --desk and the network', cause });
  }
  if (!indexResponse.ok) throw await answerError(indexResponse, `the index of request ${o.requestId}`);
  const indexBytes = Buffer.from(await indexResponse.arrayBuffer());
  const parsed = indexSchema.safeParse(JSON.parse(indexBytes.toString('utf8')));
  if (!parsed.success) throw new RepatriateError('REPAT_ARCHIVE_INDEX_INVALID', 'the desk sent a malformed index.json', { hint: 'try again later or ask the vendor' });
  const index: ArchiveIndex = parsed.data;
  checkSignature(index, o.trusted);

  await mkdir(o.out, { recursive: true });
  const statePath = path.join(o.out, stateName);
  const previous = JSON.parse(await readFile(statePath, 'utf8').catch(() => 'null')) as State | null;
  const state: State = previous?.archiveId === index.archiveId ? previous : { archiveId: index.archiveId, verified: {} };
  if (previous && previous.archiveId !== index.archiveId) for (const v of Object.keys(previous.verified)) await rm(path.join(o.out, `${v}.partial`), { force: true });
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => (saving = saving.then(() => writeFile(statePath, JSON.stringify(state))));

  let fetchedBytes = 0;
  let keptChunks = 0;
  let refetchedChunks = 0;
  let resumedConnections = 0;

  interface Task { volume: VolumeRecord; chunk: number; file: string }
  const tasks: Task[] = [];
  const openVolumes: VolumeRecord[] = [];
  for (const volume of index.volumes) {
    const done = new Set(state.verified[volume.name] ?? []);
    const final = path.join(o.out, volume.name);
    if (done.size === volume.chunks.length && (await stat(final).then((s) => s.size === volume.size, () => false))) {
      keptChunks += done.size;
      continue;
    }
    const partial = `${final}.partial`;
    const handle = await open(partial, 'a');
    await handle.truncate(volume.size);
    await handle.close();
    openVolumes.push(volume);
    for (let chunk = 0; chunk < volume.chunks.length; chunk++) {
      if (done.has(chunk)) keptChunks++;
      else tasks.push({ volume, chunk, file: partial });
    }
  }

  const fetchChunk = async (task: Task): Promise<void> => {
    const start = task.chunk * chunkSize;
    const length = Math.min(chunkSize, task.volume.size - start);
    const handle = await open(task.file, 'r+');
    try {
      for (let attempt = 1; ; attempt++) {
        const hash = createHash('sha256');
        let got = 0;
        let breaks = 0;
        while (got < length) {
          try {
            const response = await fetch(`${base}/${task.volume.name}`, { headers: { ...headers, range: `bytes=${start + got}-${start + length - 1}` } });
            if (response.status !== 206) throw await answerError(response, `${task.volume.name} bytes ${start + got}-`);
            for await (const data of response.body as unknown as AsyncIterable<Uint8Array>) {
              const take = Math.min(data.length, length - got);
              await handle.write(data, 0, take, start + got);
              hash.update(data.subarray(0, take));
              got += take;
              fetchedBytes += take;
            }
          } catch (error) {
            if (error instanceof RepatriateError) throw error;
            if (++breaks > attempts) throw failed(`the connection for ${task.volume.name} broke ${breaks} times`, error);
            resumedConnections++;
            await new Promise((resolve) => setTimeout(resolve, 50 * breaks));
          }
        }
        if (hash.digest('hex') === task.volume.chunks[task.chunk]) break;
        if (attempt >= attempts) {
          throw new RepatriateError('REPAT_ARCHIVE_HASH_MISMATCH', `chunk ${task.chunk} of ${task.volume.name} does not match its SHA-256 in the signed index, ${attempt} times`, {
            hint: 'the archive on the desk is damaged or altered on the way; tell the vendor',
          });
        }
        refetchedChunks++;
      }
    } finally {
      await handle.close();
    }
    (state.verified[task.volume.name] ??= []).push(task.chunk);
    await save();
    o.onChunk?.({ volume: task.volume.name, chunk: task.chunk, bytes: length });
  };

  const queue = [...tasks];
  const workers = Array.from({ length: Math.max(1, Math.min(o.parallel ?? 4, queue.length)) }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      // The first failure stops the others from starting more; what is verified is kept for the next run.
      await fetchChunk(task).catch((error: unknown) => {
        queue.splice(0);
        throw error;
      });
    }
  });
  const results = await Promise.allSettled(workers);
  await saving;
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;

  for (const volume of openVolumes) await rename(path.join(o.out, `${volume.name}.partial`), path.join(o.out, volume.name));
  await writeFile(path.join(o.out, indexName), indexBytes);
  await rm(statePath, { force: true });
  return {
    archiveId: index.archiveId, out: o.out, volumes: index.volumes.length, bytes: index.volumes.reduce((a, v) => a + v.size, 0),
    fetchedBytes, keptChunks, refetchedChunks, resumedConnections,
  };
}

import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { contentsName, tableOfPart, type ArchiveIndex, type Contents, type ContentsEntry } from '../archive/format.js';
import { readVolume, type Secret } from '../archive/reader.js';
import { compareContents, contentsMismatch, parseContents } from '../archive/verify.js';
import type { Schema, Table } from '../core/schema.js';
import { Lanes } from './lanes.js';
import type { StagedTarget } from './staged.js';
import { addDigests, RowDigest, type DigestedRows } from './digest.js';
import { laneDecoder } from './part-decoder.js';

/**
 * The staged load: every table into a staging schema, files and kernel into a staging folder,
 * keys and indexes after the rows, and contents.json checked before anything is swapped in.
 * Staging is rebuilt from scratch on every attempt, so a killed load simply starts again.
 *
 * Table parts precede the files in an archive, so the keys and indexes are built while the
 * files are written: the server builds, this process decrypts and writes, both at once.
 */
export type LoadEvent =
  | { readonly type: 'table'; readonly table: string; readonly rows: number }
  | { readonly type: 'files'; readonly files: number; readonly bytes: number }
  | { readonly type: 'indexes'; readonly table: string };

export interface LoadResult {
  readonly schema: Schema;
  /** Rows and order-independent digest per table, as loaded from the archive. */
  readonly tables: Record<string, DigestedRows>;
  /** SHA-256 per restored file, by its path inside the data directory. */
  readonly files: Record<string, string>;
  /** Each table's record hash as contents.json gives it (the sum of its parts'), when the build recorded them. */
  readonly recordHashes?: Readonly<Record<string, string>>;
}

/** Each table's record hash from contents.json (0 for a table without parts); undefined for an archive whose parts carry none. */
function recordHashesOf(contents: Contents): Record<string, string> | undefined {
  const parts = contents.members.filter((m) => tableOfPart(m.name));
  if (!parts.some((m) => m.rowHash)) return undefined;
  const sums: Record<string, DigestedRows> = {};
  for (const m of parts) {
    if (!m.rowHash) throw contentsMismatch(`${m.name} has no row hash in contents.json, although other table parts have one`);
    const table = tableOfPart(m.name)!;
    sums[table] = addDigests(sums[table], { rows: m.rows ?? 0, digest: m.rowHash });
  }
  return Object.fromEntries(Object.keys(contents.tables).map((table) => [table, sums[table]?.digest ?? '0'.repeat(16)]));
}

/** The installation keeps the archive's own description for the assistant (P1–P11). */
export const metadataFolder = '.repatriate';

function safeRelative(name: string, prefix: string): string {
  const relative = name.slice(prefix.length);
  if (relative.length === 0 || path.isAbsolute(relative) || relative.split('/').some((p) => p === '..' || p === '')) {
    throw contentsMismatch(`the member name ${name} would write outside the data directory`);
  }
  return relative;
}

export async function resetStaging(db: StagedTarget, dir: string): Promise<void> {
  await db.dropStaging();
  await rm(dir, { recursive: true, force: true });
}

/** A table part on a lane: its rows once it has loaded, and when that is. */
interface PartState {
  rows: number;
  done: Promise<void>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Reads every compressed table part into memory (parts are bounded by the build: at most
 * 16 MiB of rows by default, a fraction of that compressed) and hands it to a free lane, so the next
 * members are decrypted, and files written, while earlier parts load. At most one part per
 * lane plus the one being read are held at once. A part larger than
 * {@link LoadOptions.maxBufferedPart} (a large `--part-size`, or another producer's archive) streams from the archive
 * into its lane instead, and reading waits for it: memory stays bounded whatever the part size.
 */
async function heldPart(stream: AsyncIterable<Buffer>): Promise<AsyncIterable<Buffer>> {
  // Held as the pieces it was decrypted in: one more copy of every part (a concat) was 0.5 GB
  // more for the garbage collector in a 1 GB account's restore.
  const chunks = await memberChunks(stream);
  return (async function* () {
    yield* chunks;
  })();
}

async function memberChunks(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const wholeMember = async (stream: AsyncIterable<Buffer>): Promise<Buffer> => Buffer.concat(await memberChunks(stream));

export interface LoadOptions {
  readonly onEvent?: (event: LoadEvent) => void;
  /** header.json says every table part carries its record hash sum: a target that computes them has its rows counted, not digested, while they load. */
  readonly rowHashes?: boolean;
  /** Compressed bytes above which a part is streamed into its lane instead of held in memory. */
  readonly maxBufferedPart?: number;
}

const defaultMaxBufferedPart = 64 * 1024 ** 2;

export async function stagedLoad(
  db: StagedTarget,
  archiveDir: string,
  index: ArchiveIndex,
  secret: Secret,
  stagingDir: string,
  { onEvent, rowHashes = false, maxBufferedPart = defaultMaxBufferedPart }: LoadOptions = {},
): Promise<LoadResult> {
  await resetStaging(db, stagingDir);
  await db.createStaging();
  await mkdir(path.join(stagingDir, metadataFolder), { recursive: true });

  let schema: Schema | undefined;
  const tables: Record<string, DigestedRows> = {};
  const parts = new Map<string, PartState[]>();
  const files: Record<string, string> = {};
  const seen: ContentsEntry[] = [];
  let fileCount = 0;
  let fileBytes = 0;
  let contentsSeen = false;
  let recordHashes: Record<string, string> | undefined;
  const lanes = new Lanes(db.lanes.length);
  const byRecordHash = rowHashes && db.recordHash !== undefined;
  const decoders = db.lanes.map(() => laneDecoder(db.decoders, byRecordHash ? 'rows' : db.rowHash));
  /** Keys, indexes, foreign keys and sequences, started once every table part has been read. */
  let finishing: Promise<void> | undefined;
  let finishFailure: { error: unknown } | undefined;
  const startFinish = (): Promise<void> => {
    finishing ??= (async () => {
      await lanes.drain();
      if (!schema) throw contentsMismatch('schema.json is missing');
      for (const t of schema.tables) tables[t.name] ??= { rows: 0, digest: new RowDigest().digest() };
      onEvent?.({ type: 'indexes', table: `${schema.tables.length} tables` });
      await db.finish(schema, Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, t.rows])));
    })();
    finishing.catch((error: unknown) => (finishFailure = { error }));
    return finishing;
  };

  /** Loads one part on a lane (decompressed and digested by the lane's decoder) and returns its rows. */
  const loadPart = async (target: Table, compressed: AsyncIterable<Buffer>, before: readonly PartState[], lane: number): Promise<number> => {
    const decoding = decoders[lane]!.decode(compressed);
    // Row numbers in messages count from the table's first part; the parts before may still be loading.
    const firstRow = async (): Promise<number> => {
      await Promise.allSettled(before.map((p) => p.done));
      return before.reduce((sum, p) => sum + p.rows, 0) + 1;
    };
    await db.load(target, decoding.text(), firstRow, lane);
    const part = decoding.result();
    const sum = addDigests(tables[target.name], part);
    tables[target.name] = sum;
    onEvent?.({ type: 'table', table: target.name, rows: sum.rows });
    return part.rows;
  };

  try {
    for (const volume of index.volumes) {
      for await (const member of readVolume(path.join(archiveDir, volume.name), secret)) {
        if (lanes.failed || finishFailure) break;
        if (contentsSeen) throw contentsMismatch(`${member.name} follows contents.json, which must be the last member`);
        const hashed = member.stream;

        const table = tableOfPart(member.name);
        if (table) {
          const target = schema?.tables.find((t) => t.name === table);
          if (!target) throw contentsMismatch(`${member.name} belongs to no table of schema.json`);
          if (finishing) throw contentsMismatch(`${member.name} follows the files; every table part comes before them`);
          const streamed = member.size > maxBufferedPart;
          const compressed = streamed ? hashed : await heldPart(hashed);
          // Its rows are filled in when its lane has loaded it; contents.json is compared after every lane is done.
          const record: Mutable<ContentsEntry> = { name: member.name, volume: volume.name, size: 0, sha256: '' };
          const before = parts.get(table) ?? [];
          const state: PartState = { rows: 0, done: Promise.resolve() };
          ({ done: state.done } = await lanes.start(async (lane) => {
            state.rows = record.rows = await loadPart(target, compressed, before, lane);
          }));
          parts.set(table, [...before, state]);
          // A streamed part is read by its lane: the archive's next member comes after it.
          if (streamed) await state.done;
          if (lanes.failed) break;
          ({ bytes: record.size, sha256: record.sha256 } = member.digest());
          seen.push(record);
          continue;
        }
        if (member.name.startsWith('files/') || member.name.startsWith('kernel/')) {
          const relative = member.name.startsWith('files/') ? path.posix.join('upload', safeRelative(member.name, 'files/')) : safeRelative(member.name, 'kernel/');
          const file = path.join(stagingDir, relative);
          void startFinish();
          await mkdir(path.dirname(file), { recursive: true });
          await pipeline(Readable.from(hashed), createWriteStream(file));
          fileCount++;
          fileBytes += member.digest().bytes;
          onEvent?.({ type: 'files', files: fileCount, bytes: fileBytes });
        } else {
          const body = await wholeMember(hashed);
          if (member.name === 'schema.json') {
            schema = JSON.parse(body.toString('utf8')) as Schema;
            for (const t of schema.tables) await db.createTable(t);
          }
          if (member.name === contentsName) {
            // Every part has loaded and counted its rows before the archive's own list is compared.
            await lanes.drain();
            const contents = parseContents(body);
            compareContents(seen, contents, index.archiveId);
            recordHashes = recordHashesOf(contents);
            if (rowHashes && !recordHashes) throw contentsMismatch('header.json says the table parts carry record hashes, but contents.json lists none');
            contentsSeen = true;
          }
          await writeFile(path.join(stagingDir, metadataFolder, path.basename(member.name)), body);
          if (member.name === contentsName) continue;
        }
        const { bytes, sha256 } = member.digest();
        const record: ContentsEntry = { name: member.name, volume: volume.name, size: bytes, sha256 };
        seen.push(record);
        if (record.name.startsWith('files/') || record.name.startsWith('kernel/')) {
          files[record.name.startsWith('files/') ? `upload/${record.name.slice(6)}` : record.name.slice(7)] = record.sha256;
        }
      }
      if (lanes.failed || finishFailure) break;
    }
  } finally {
    // Nothing may still be writing into staging when this returns or throws.
    await lanes.drain().catch(() => undefined);
    await Promise.all(decoders.map((d) => d.close()));
    await finishing?.catch(() => undefined);
  }
  await lanes.drain();
  if (finishFailure) throw finishFailure.error;
  if (!schema) throw contentsMismatch('schema.json is missing');
  if (!contentsSeen) throw contentsMismatch('contents.json is missing: the archive is incomplete');
  await startFinish();
  return { schema, tables, files, ...(recordHashes ? { recordHashes } : {}) };
}

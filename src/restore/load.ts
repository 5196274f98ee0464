import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { DecompressStream } from 'zstd-napi';
import { contentsName, tableOfPart, type ArchiveIndex, type ContentsEntry } from '../archive/format.js';
import { readVolume, type Secret } from '../archive/reader.js';
import { compareContents, contentsMismatch, parseContents } from '../archive/verify.js';
import type { Schema } from '../core/schema.js';
import type { StagedTarget } from './staged.js';
import { RowDigest } from './digest.js';

/**
 * The staged load: every table into a staging schema, files and kernel into a staging folder,
 * keys and indexes after the rows, and contents.json checked before anything is swapped in.
 * Staging is rebuilt from scratch on every attempt, so a killed load simply starts again.
 */
export type LoadEvent =
  | { readonly type: 'table'; readonly table: string; readonly rows: number }
  | { readonly type: 'files'; readonly files: number; readonly bytes: number }
  | { readonly type: 'indexes'; readonly table: string };

export interface LoadResult {
  readonly schema: Schema;
  /** Rows and order-independent digest per table, as loaded from the archive. */
  readonly tables: Record<string, { readonly rows: number; readonly digest: string }>;
  /** SHA-256 per restored file, by its path inside the data directory. */
  readonly files: Record<string, string>;
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

export async function stagedLoad(
  db: StagedTarget,
  archiveDir: string,
  index: ArchiveIndex,
  secret: Secret,
  stagingDir: string,
  onEvent?: (event: LoadEvent) => void,
): Promise<LoadResult> {
  await resetStaging(db, stagingDir);
  await db.createStaging();
  await mkdir(path.join(stagingDir, metadataFolder), { recursive: true });

  let schema: Schema | undefined;
  const tables: Record<string, { rows: number; digest: string }> = {};
  const files: Record<string, string> = {};
  const seen: ContentsEntry[] = [];
  let fileCount = 0;
  let fileBytes = 0;
  let contentsSeen = false;

  for (const volume of index.volumes) {
    for await (const member of readVolume(path.join(archiveDir, volume.name), secret)) {
      if (contentsSeen) throw contentsMismatch(`${member.name} follows contents.json, which must be the last member`);
      const hashed = member.stream;
      let rows: number | undefined;

      const table = tableOfPart(member.name);
      if (table) {
        const target = schema?.tables.find((t) => t.name === table);
        if (!target) throw contentsMismatch(`${member.name} belongs to no table of schema.json`);
        const digest = new RowDigest();
        const decompress = new DecompressStream();
        const plain = Readable.from(hashed).pipe(decompress);
        const counted = (async function* () {
          for await (const chunk of plain as AsyncIterable<Buffer>) {
            digest.update(chunk);
            yield chunk;
          }
        })();
        const previous = tables[table];
        await db.load(target, counted, (previous?.rows ?? 0) + 1);
        const partDigest = digest.digest();
        tables[table] = {
          rows: (previous?.rows ?? 0) + digest.rows,
          digest: previous ? addDigests(previous.digest, partDigest) : partDigest,
        };
        rows = digest.rows;
        onEvent?.({ type: 'table', table, rows: tables[table].rows });
      } else if (member.name.startsWith('files/') || member.name.startsWith('kernel/')) {
        const relative = member.name.startsWith('files/') ? path.posix.join('upload', safeRelative(member.name, 'files/')) : safeRelative(member.name, 'kernel/');
        const file = path.join(stagingDir, relative);
        await mkdir(path.dirname(file), { recursive: true });
        await pipeline(Readable.from(hashed), createWriteStream(file));
        fileCount++;
        fileBytes += member.digest().bytes;
        onEvent?.({ type: 'files', files: fileCount, bytes: fileBytes });
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of hashed) chunks.push(chunk);
        const body = Buffer.concat(chunks);
        if (member.name === 'schema.json') {
          schema = JSON.parse(body.toString('utf8')) as Schema;
          for (const t of schema.tables) await db.createTable(t);
        }
        if (member.name === contentsName) {
          const contents = parseContents(body);
          compareContents(seen, contents, index.archiveId);
          contentsSeen = true;
        }
        await writeFile(path.join(stagingDir, metadataFolder, path.basename(member.name)), body);
        if (member.name === contentsName) continue;
      }
      const { bytes, sha256 } = member.digest();
      const entry: ContentsEntry = { name: member.name, volume: volume.name, size: bytes, sha256, ...(rows === undefined ? {} : { rows }) };
      seen.push(entry);
      if (entry.name.startsWith('files/') || entry.name.startsWith('kernel/')) {
        files[entry.name.startsWith('files/') ? `upload/${entry.name.slice(6)}` : entry.name.slice(7)] = entry.sha256;
      }
    }
  }
  if (!schema) throw contentsMismatch('schema.json is missing');
  if (!contentsSeen) throw contentsMismatch('contents.json is missing: the archive is incomplete');

  for (const t of schema.tables) tables[t.name] ??= { rows: 0, digest: new RowDigest().digest() };
  onEvent?.({ type: 'indexes', table: `${schema.tables.length} tables` });
  await db.finish(schema);
  return { schema, tables, files };
}

function addDigests(a: string, b: string): string {
  return ((BigInt(`0x${a}`) + BigInt(`0x${b}`)) & ((1n << 64n) - 1n)).toString(16).padStart(16, '0');
}

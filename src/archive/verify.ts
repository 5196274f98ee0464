import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { DecompressStream } from 'zstd-napi';
import { RepatriateError } from '../core/errors.js';
import { lineFeeds } from '../core/copy-text.js';
import { contentsName, contentsSchema, tableOfPart, type ArchiveIndex, type Contents, type ContentsEntry } from './format.js';
import { checkSignature, checkVolume, readIndex, readVolume, type Secret } from './reader.js';

/**
 * B3: verify without restoring. Signature and volume hashes first (no password needed), then
 * every member decrypted, hashed, table parts decompressed and their rows counted, all compared
 * with contents.json.
 */
export interface InspectReport {
  readonly index: ArchiveIndex;
  readonly signedBy: string;
  readonly bytes: number;
}

export async function inspectArchive(dir: string, trusted: readonly KeyObject[]): Promise<InspectReport> {
  const index = await readIndex(dir);
  const signedBy = checkSignature(index, trusted);
  for (const volume of index.volumes) await checkVolume(dir, volume);
  return { index, signedBy, bytes: index.volumes.reduce((a, v) => a + v.size, 0) };
}

export interface VerifyReport extends InspectReport {
  readonly contents: Contents;
  readonly members: number;
  readonly rows: number;
  readonly files: number;
}

async function countRows(stream: AsyncIterable<Buffer>): Promise<number> {
  const decompress = new DecompressStream();
  let rows = 0;
  const counting = (async () => {
    for await (const chunk of decompress as AsyncIterable<Buffer>) {
      rows += lineFeeds(chunk);
    }
  })();
  for await (const chunk of stream) if (!decompress.write(chunk)) await new Promise((r) => decompress.once('drain', r));
  decompress.end();
  await counting;
  return rows;
}

export function contentsMismatch(message: string): RepatriateError {
  return new RepatriateError('REPAT_ARCHIVE_CONTENTS', message, { hint: 'the archive does not hold what it lists; ask the vendor for a new build' });
}

/** The members an archive really holds, in order, against what its contents.json lists. */
export function compareContents(seen: readonly ContentsEntry[], contents: Contents, archiveId: string): void {
  if (contents.archiveId !== archiveId) throw contentsMismatch('contents.json belongs to another archive');
  if (seen.length !== contents.members.length) throw contentsMismatch(`the archive holds ${seen.length} members, contents.json lists ${contents.members.length}`);
  for (const [i, expected] of contents.members.entries()) {
    const actual = seen[i]!;
    for (const field of ['name', 'volume', 'size', 'sha256', 'rows'] as const) {
      if (actual[field] !== expected[field]) throw contentsMismatch(`${expected.name}: ${field} is ${String(actual[field])}, contents.json says ${String(expected[field])}`);
    }
  }
  const rowsByTable: Record<string, number> = {};
  for (const m of seen) {
    const table = tableOfPart(m.name);
    if (table) rowsByTable[table] = (rowsByTable[table] ?? 0) + (m.rows ?? 0);
  }
  for (const [table, rows] of Object.entries(contents.tables)) {
    if ((rowsByTable[table] ?? 0) !== rows) throw contentsMismatch(`table ${table}: ${rowsByTable[table] ?? 0} rows in its parts, contents.json says ${rows}`);
  }
}

export function parseContents(body: Buffer): Contents {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw contentsMismatch('contents.json is not JSON');
  }
  const parsed = contentsSchema.safeParse(json);
  if (!parsed.success) throw contentsMismatch('contents.json is malformed');
  return parsed.data;
}

export async function verifyArchive(dir: string, trusted: readonly KeyObject[], secret: Secret, onMember?: (name: string) => void): Promise<VerifyReport> {
  const inspected = await inspectArchive(dir, trusted);
  const seen: ContentsEntry[] = [];
  let contents: Contents | undefined;
  for (const volume of inspected.index.volumes) {
    for await (const member of readVolume(path.join(dir, volume.name), secret)) {
      if (contents) throw contentsMismatch(`${member.name} follows contents.json, which must be the last member`);
      const tee = member.stream;
      let rows: number | undefined;
      let body: Buffer | undefined;
      if (tableOfPart(member.name)) rows = await countRows(tee);
      else if (member.name === contentsName) {
        const chunks: Buffer[] = [];
        for await (const chunk of tee) chunks.push(chunk);
        body = Buffer.concat(chunks);
      }
      else for await (const chunk of tee) void chunk;
      if (body) {
        contents = parseContents(body);
        continue;
      }
      const { bytes, sha256 } = member.digest();
      seen.push({ name: member.name, volume: volume.name, size: bytes, sha256, ...(rows === undefined ? {} : { rows }) });
      onMember?.(member.name);
    }
  }
  if (!contents) throw contentsMismatch('contents.json is missing: the archive is incomplete');
  compareContents(seen, contents, inspected.index.archiveId);
  return {
    ...inspected,
    contents,
    members: seen.length,
    rows: Object.values(contents.tables).reduce((a, b) => a + b, 0),
    files: seen.filter((m) => m.name.startsWith('files/')).length,
  };
}

import { scryptSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chunkSize, formatVersion, indexName, tablePartName, type ArchiveIndex, type ContentsEntry, type UnsignedIndex, type VolumeRecord } from '../archive/format.js';
import { signJson, type SigningKey } from '../core/signing.js';
import { ArchiveWriter } from '../archive/writer.js';
import type { Encryption } from '../archive/volume.js';
import { RepatriateError } from '../core/errors.js';
import { inOrder } from '../core/ordered-lanes.js';
import { prefetch } from '../core/prefetch.js';
import type { Schema } from '../core/schema.js';
import { introspect, serverVersion } from '../engine/postgres/introspect.js';
import { quoteIdent, quoteLiteral, rowQuerySql, type RowQuery, type SqlClient } from '../engine/types.js';
import { editionIncludes, editionModules, moduleTitles } from '../license/editions.js';
import type { LicenseEdition } from '../license/key.js';
import { classify, type ExcludedCount, type MigrationPlan } from '../manifest/plan.js';
import type { Manifest } from '../manifest/schema.js';
import { journalName, readJournal, removeJournal, writeJournal, type Journal } from './journal.js';
import { findKernelRelease, readReleaseSchema, updateFeedPath, type KernelRelease } from './kernel.js';
import { exportedParts, partInfo, type CompressedPart } from './parts.js';

/**
 * Builds the archive of one account from a snapshot: header, on-premise schema, the account's
 * rows table by table, its files, the matching kernel, the exclusion ledger, contents.json —
 * encrypted in volumes, then the signed index. Resumes from its journal after a crash.
 */
export interface BuildRequest {
  readonly db: SqlClient;
  /** Further connections to the same snapshot: tables are read on all of them at once. */
  readonly readers?: readonly SqlClient[];
  /** A connection of its own for the exclusion ledger's counts, which then run while the tables are read (default: `db`, after the kernel). */
  readonly ledgerReader?: SqlClient;
  readonly manifest: Manifest;
  readonly kernelStore: string;
  readonly account: string;
  readonly snapshot: { readonly night: string; readonly takenAt: string };
  /** The account's uploaded files in the snapshot (the installation's upload folder). */
  readonly filesDir: string;
  readonly out: string;
  readonly archiveId: string;
  readonly encryption: Encryption;
  readonly volumeSize: number;
  readonly partBytes: number;
  readonly signingKey: SigningKey;
  readonly now: Date;
  readonly retentionDays: number;
  readonly onEvent?: (event: BuildEvent) => void;
}

/** What the build reads ahead of the archive writer, in archive order. */
interface Produced {
  readonly table: string;
  readonly part: CompressedPart;
}

/**
 * Compressed parts the lanes may hold ahead of the writer (besides the part each is compressing).
 * The peak RSS of a build follows it: 48 MiB held up to about 120 MB of buffers at the peak.
 */
const readAheadBudget = 16 * 1024 * 1024;

export type BuildEvent =
  | { readonly type: 'resume'; readonly volumes: number; readonly members: number }
  | { readonly type: 'table'; readonly table: string; readonly rows: number; readonly bytes: number; readonly raw: number }
  | { readonly type: 'files'; readonly files: number; readonly bytes: number; readonly raw: number }
  | { readonly type: 'volume'; readonly name: string; readonly size: number };

export interface BuildResult {
  readonly index: ArchiveIndex;
  readonly tables: Record<string, number>;
  readonly members: number;
  readonly resumed: boolean;
}

export interface Account {
  readonly id: number;
  readonly address: string;
  readonly status: string;
}

export async function findAccount(db: SqlClient, manifest: Manifest, address: string): Promise<Account> {
  const r = manifest.registry;
  const rows = await db.query<{ id: number; status: string }>(
    `SELECT ${quoteIdent(r.id)} AS id, ${quoteIdent(r.status)} AS status FROM ${quoteIdent(r.table)} WHERE ${quoteIdent(r.address)} = $1`,
    [address],
  );
  const row = rows[0];
  if (!row) {
    throw new RepatriateError('REPAT_ACCOUNT_UNKNOWN', `no account ${address} in the snapshot`, {
      hint: 'check the address (e.g. https://acme.cloud.example); `repatriate cloud stats` lists the accounts',
    });
  }
  return { id: Number(row.id), address, status: row.status };
}

export interface Preparation {
  readonly account: Account;
  readonly plan: MigrationPlan;
  readonly schema: Schema;
  readonly kernel: KernelRelease;
  readonly modules: Record<string, string>;
  readonly users: { readonly byKind: Record<string, number>; readonly active: number };
  readonly engine: { readonly name: string; readonly version: string };
}

export interface PrepareOptions {
  /** The edition of the customer's license: the data of modules it lacks stays behind (M6). Absent: every module moves. */
  readonly edition?: LicenseEdition;
}

/** The modules an edition lacks, each with the reason the exclusion ledger gives. */
export function modulesLeftOut(edition: LicenseEdition): Map<string, string> {
  return new Map(
    editionModules.enterprise.filter((module) => !editionIncludes(edition, module)).map((module) => [module, `the ${edition} edition does not include ${moduleTitles[module] ?? module} (M6)`]),
  );
}

/** Everything checked before a byte is written: account, manifest against the catalog, kernel. */
export async function prepare(db: SqlClient, manifest: Manifest, kernelStore: string, address: string, options: PrepareOptions = {}): Promise<Preparation> {
  const account = await findAccount(db, manifest, address);
  const schema = await readReleaseSchema(kernelStore, manifest.targetRelease);
  const plan = classify(manifest, await introspect(db), schema, account.id, options.edition ? { leaveOutModules: modulesLeftOut(options.edition) } : {});
  const modules = Object.fromEntries((await db.query<{ module: string; version: string }>(manifest.modules.query)).map((r) => [r.module, r.version]));
  const kernel = await findKernelRelease(kernelStore, modules);
  if (kernel.version !== manifest.targetRelease) {
    throw new RepatriateError('REPAT_KERNEL_MISSING', `the account runs the modules of release ${kernel.version}, the manifest targets ${manifest.targetRelease}`, {
      hint: 'the manifest must target the release whose module versions the cloud runs',
    });
  }
  const byKind = Object.fromEntries((await db.query<{ kind: string; users: number }>(manifest.users.query, [account.id])).map((r) => [r.kind, Number(r.users)]));
  const active = manifest.users.active.reduce((sum, kind) => sum + (byKind[kind] ?? 0), 0);
  return { account, plan, schema, kernel, modules, users: { byKind, active }, engine: { name: db.engine, version: await serverVersion(db) } };
}

/**
 * A file of `size` bytes (as stat gave it) in chunks of up to 1 MiB. `end` sizes each read to
 * what is left: without it every read takes a 1 MiB buffer and shrinks it to fit by copying,
 * and one more read finds the end, so each small file cost about 2 MiB of garbage, and the
 * kernel's and the account's hundreds of files kept the collector busy for a third of the
 * files phase.
 */
async function* readFileChunks(file: string, size: number): AsyncGenerator<Uint8Array> {
  if (size === 0) return;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, end: size - 1 })) yield chunk as Uint8Array;
}

/** A file on its way into the archive: its size as stat gave it, and its content. */
export interface SourceFile {
  readonly relative: string;
  readonly size: number;
  readonly content: AsyncIterable<Uint8Array>;
}

/** Files up to this size are read whole, ahead of the writer. */
const readAheadFileBytes = 1024 * 1024;

/**
 * The files in order, each small one already read while the writer archives the ones before
 * it (up to four ahead): read one after another, every file cost the writer an open, a read
 * and a close on the thread pool, and the build waited through them with nothing else to do.
 */
export function sourceFiles(files: readonly { readonly relative: string; readonly file: string }[]): AsyncGenerator<SourceFile> {
  return prefetch((async function* () {
    for (const { relative, file } of files) {
      const size = (await stat(file)).size;
      if (size > readAheadFileBytes) {
        yield { relative, size, content: readFileChunks(file, size) };
        continue;
      }
      const whole = await readFile(file);
      yield { relative, size, content: (async function* () { yield whole; })() };
    }
  })(), 4);
}

/** Relative paths of every file under a folder, sorted, so the archive's order never depends on the file system. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * What must be equal for a build to resume another: a different password or recipient would
 * leave volumes that no single secret opens. The password enters only through scrypt.
 */
function requestKey(request: BuildRequest, prepared: Preparation): string {
  const e = request.encryption;
  const secret = e.kind === 'recipients' ? e.recipients : scryptSync(e.passphrase, request.archiveId, 16, { N: 2 ** 14 }).toString('hex');
  // Tables the edition leaves behind change what the volumes hold.
  const leftOut = prepared.plan.exports.filter((x) => x.empty && !x.empty.task).map((x) => x.target.name);
  return JSON.stringify([request.account, request.snapshot.night, request.volumeSize, request.partBytes, e.kind, secret, ...(leftOut.length ? [leftOut] : [])]);
}

async function prepareOutput(request: BuildRequest, prepared: Preparation): Promise<Journal | undefined> {
  await mkdir(request.out, { recursive: true });
  const journal = await readJournal(request.out);
  const entries = (await readdir(request.out)).filter((e) => !e.endsWith('.partial'));
  if (journal) {
    if (journal.request !== requestKey(request, prepared) || journal.archiveId !== request.archiveId) {
      throw new RepatriateError('REPAT_OUTPUT_NOT_EMPTY', `${request.out} holds an unfinished build of another request (another account, snapshot, sizes or password)`, {
        hint: 'repeat the original command to resume it, or choose an empty output folder',
      });
    }
    // Volumes after the journal's last one (and an index not yet confirmed) were cut short by the crash: redo them.
    for (const entry of entries) {
      const ordinal = /^vol-(\d{4})\.age$/.exec(entry)?.[1];
      if ((ordinal !== undefined && Number(ordinal) >= journal.volumes.length) || entry === indexName || entry === `${indexName}.tmp`) {
        await rm(path.join(request.out, entry));
      }
    }
    const remaining = (await readdir(request.out)).filter((e) => !e.endsWith('.partial'));
    const expected = new Set([journalName, ...journal.volumes.map((v) => v.name)]);
    const stray = remaining.find((e) => !expected.has(e));
    if (stray) throw new RepatriateError('REPAT_OUTPUT_NOT_EMPTY', `${request.out} holds ${stray}, which is not part of the unfinished build`, { hint: 'choose an empty output folder' });
    return journal;
  }
  if (entries.length > 0) {
    throw new RepatriateError('REPAT_OUTPUT_NOT_EMPTY', `the output folder ${request.out} is not empty`, { hint: 'choose a new or empty folder; a build never overwrites' });
  }
  return undefined;
}

/**
 * The members every archive begins with: header.json (no archive id or build time: like every
 * member it depends only on the snapshot and the request) and schema.json. `rowHashes` in the
 * header tells a restore before it loads that every table part will carry its record hash
 * sum (parts.ts), so it need not digest the rows itself.
 */
export function headMembers(request: Pick<BuildRequest, 'manifest' | 'snapshot' | 'db'>, prepared: Preparation): { name: string; body: Buffer }[] {
  const { account, schema, kernel } = prepared;
  const header = {
    format: formatVersion,
    product: request.manifest.product,
    account: { address: account.address, id: account.id },
    snapshot: request.snapshot,
    source: prepared.engine,
    rowHashes: request.db.exportRowsWithHash !== undefined,
    release: kernel.version,
    modules: prepared.modules,
    users: { active: prepared.users.active, countsAsActive: request.manifest.users.active, byKind: prepared.users.byKind },
  };
  return [
    { name: 'header.json', body: jsonMember(header) },
    { name: 'schema.json', body: jsonMember({ release: kernel.version, tables: schema.tables }) },
  ];
}

const jsonMember = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, null, 2) + '\n');

/**
 * excluded.json, the exclusion ledger: what stays behind, why, and how many of the account's
 * rows. Its counts scan shared tables (the search index) whose size grows with the other
 * accounts, not with this one, so the archive holds it after the kernel and a build counts on
 * a connection of its own while the tables are read.
 */
export async function exclusionLedger(db: SqlClient, prepared: Preparation): Promise<{ name: string; body: Buffer }> {
  const { plan } = prepared;
  const tables = [];
  for (const excluded of plan.excludedTables) {
    const counted = excluded.count ? await countExcluded(db, excluded.count) : undefined;
    const rows = counted?.rows ?? null;
    const listed = excluded.listQuery
      ? (await db.query<{ code: string | null; name: string | null }>(`${rowQuerySql(excluded.listQuery)} ORDER BY 1, 2`)).map((r) => ({ code: r.code ?? '', name: r.name ?? '' }))
      : undefined;
    tables.push({ table: excluded.table, rows, ...(counted?.estimated ? { estimated: true } : {}), reason: excluded.reason, task: excluded.task ?? null, ...(listed ? { listed } : {}) });
  }
  const columns = plan.excludedColumns.map((c) => ({ ...c, reason: c.policy === 'secret' ? 'never leaves the cloud' : 'rebuilt after the restore' }));
  const startEmpty = plan.exports.flatMap((e) => (e.empty ? [{ table: e.target.name, reason: e.empty.reason, task: e.empty.task ?? null }] : []));
  return { name: 'excluded.json', body: jsonMember({ tables, columns, startEmpty }) };
}

/** The rows a query selects, counted by the server. */
export const countRows = async (db: SqlClient, query: RowQuery): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${rowQuerySql(query)}) x`))[0]?.n ?? 0);

/**
 * The account's rows an excluded table leaves behind: counted, or the parent's count scaled by
 * the ratio of the two tables' row estimates (pg_class.reltuples, kept by ANALYZE and VACUUM).
 */
export async function countExcluded(db: SqlClient, count: ExcludedCount): Promise<{ rows: number; estimated: boolean }> {
  if (count.kind === 'exact') return { rows: await countRows(db, count.query), estimated: false };
  const [sizes] = await db.query<{ ratio: number | null }>(
    `SELECT CASE WHEN p.reltuples > 0 AND c.reltuples >= 0 THEN c.reltuples / p.reltuples END AS ratio FROM pg_class c, pg_class p WHERE c.oid = ${quoteLiteral(quoteIdent(count.table))}::regclass AND p.oid = ${quoteLiteral(quoteIdent(count.parent.table))}::regclass`,
  );
  const parentRows = await countRows(db, count.parent);
  return { rows: Math.round(parentRows * Number(sizes?.ratio ?? 0)), estimated: true };
}

/** The kernel release's files in archive order; the update feed joins them at the path the installation's updater reads (P4). */
export async function kernelFiles(kernel: KernelRelease): Promise<{ relative: string; file: string }[]> {
  const files = (await listFiles(kernel.filesDir)).map((relative) => ({ relative, file: path.join(kernel.filesDir, relative) }));
  if (kernel.feedFile) files.push({ relative: updateFeedPath, file: kernel.feedFile });
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** Signs the index of finished volumes and puts it in place atomically: the archive counts as complete only once index.json exists. */
export async function writeSignedIndex(
  dir: string,
  given: { archiveId: string; createdAt: string; retentionDays: number; encryption: Encryption['kind']; volumes: VolumeRecord[]; sizes: UnsignedIndex['sizes']; signingKey: SigningKey },
): Promise<ArchiveIndex> {
  const unsigned: UnsignedIndex = {
    format: formatVersion,
    archiveId: given.archiveId,
    createdAt: given.createdAt,
    expiresAt: new Date(Date.parse(given.createdAt) + given.retentionDays * 86_400_000).toISOString(),
    encryption: given.encryption,
    chunkSize,
    volumes: given.volumes,
    sizes: given.sizes,
  };
  const index: ArchiveIndex = { ...unsigned, signature: { algorithm: 'ed25519', keyId: given.signingKey.keyId, value: signJson(unsigned, given.signingKey) } };
  await writeFile(path.join(dir, `${indexName}.tmp`), JSON.stringify(index, null, 2) + '\n');
  await rename(path.join(dir, `${indexName}.tmp`), path.join(dir, indexName));
  return index;
}

export async function build(request: BuildRequest, prepared: Preparation): Promise<BuildResult> {
  const journal = await prepareOutput(request, prepared);
  for (const partial of (await readdir(request.out)).filter((e) => e.endsWith('.partial'))) await rm(path.join(request.out, partial));
  const createdAt = journal?.createdAt ?? request.now.toISOString();
  const mtime = new Date(`${request.snapshot.night}T00:00:00Z`);
  if (journal) request.onEvent?.({ type: 'resume', volumes: journal.volumes.length, members: journal.members.length });

  const writer = new ArchiveWriter({
    dir: request.out,
    archiveId: request.archiveId,
    encryption: request.encryption,
    volumeSize: request.volumeSize,
    mtime,
    ...(journal ? { resume: { volumes: journal.volumes, members: journal.members } } : {}),
    onVolume: async (volumes, members) => {
      await writeJournal(request.out, { format: 2, request: requestKey(request, prepared), archiveId: request.archiveId, createdAt, volumes: [...volumes], members: [...members] });
      const last = volumes.at(-1)!;
      request.onEvent?.({ type: 'volume', name: last.name, size: last.size });
    },
  });
  const done: readonly ContentsEntry[] = journal?.members ?? [];
  let ordinal = 0;
  /** True when the member at this position was written by the run this one resumes. */
  const skip = (): boolean => ordinal++ < done.length;

  try {
    const { plan, kernel } = prepared;
    const rows: Record<string, number> = {};
    const sizes = { rows: 0, files: 0, kernel: 0 };
    const readers = [request.db, ...(request.readers ?? [])];
    const ledger = request.ledgerReader ? exclusionLedger(request.ledgerReader, prepared) : undefined;
    // Awaited after the kernel; a failure before then is reported by whatever failed first.
    ledger?.catch(() => undefined);
    /** Parts of the tables a resumed build does not read again; they follow the head members. */
    let completeParts = 0;
    // The tables are read on every connection at once, handed on in archive order.
    const producers: ((lane: number) => AsyncIterable<Produced>)[] = [];
    for (const entry of plan.exports) {
      const table = entry.target.name;
      rows[table] = 0;
      if (!entry.query) continue;
      const partsDone = done.flatMap((m, at) => (m.name.startsWith(`tables/${table}/`) ? [{ m, at }] : []));
      // Every part of this table was written and the archive went on after it: nothing to read again.
      if (partsDone.length > 0 && partsDone.at(-1)!.at < done.length - 1) {
        completeParts += partsDone.length;
        rows[table] = partsDone.reduce((sum, { m }) => sum + (m.rows ?? 0), 0);
        sizes.rows += partsDone.reduce((sum, { m }) => sum + (m.raw ?? 0), 0);
        continue;
      }
      const query = entry.query;
      producers.push(async function* (lane) {
        for await (const part of exportedParts(readers[lane]!, query, entry.target.columns, request.partBytes)) yield { table, part };
      });
    }

    const progressOf = new Map<string, { bytes: number; raw: number; part: number }>();
    // The first volume's key derivation (scrypt: 256 MiB at a chosen password's work factor)
    // ends before the first table is read, instead of adding its memory to the read-ahead's.
    await writer.begin();
    for (const member of headMembers(request, prepared)) {
      if (!skip()) await writer.addBuffer(member.name, member.body);
    }
    ordinal += completeParts;
    for await (const { table, part } of inOrder(producers, { lanes: readers.length, budget: readAheadBudget, sizeOf: (p) => p.part.size })) {
      const progress = progressOf.get(table) ?? { bytes: 0, raw: 0, part: 0 };
      progressOf.set(table, progress);
      // A resumed table is read again from its start; the parts already in complete volumes are not written twice.
      if (!skip()) {
        await writer.addStream(tablePartName(table, progress.part), part.size, (async function* () { yield* part.chunks; })(), partInfo(part));
      }
      rows[table]! += part.rows;
      progress.bytes += part.size;
      progress.raw += part.raw;
      progress.part++;
      sizes.rows += part.raw;
      request.onEvent?.({ type: 'table', table, rows: rows[table]!, bytes: progress.bytes, raw: progress.raw });
    }

    let fileCount = 0;
    let fileBytes = 0;
    const accountFiles = (await listFiles(request.filesDir)).map((relative) => ({ relative, file: path.join(request.filesDir, relative) }));
    for await (const { relative, size, content } of sourceFiles(accountFiles)) {
      fileCount++;
      fileBytes += size;
      sizes.files += size;
      if (!skip()) await writer.addStream(`files/${relative}`, size, content);
      request.onEvent?.({ type: 'files', files: fileCount, bytes: fileBytes, raw: size });
    }
    for await (const { relative, size, content } of sourceFiles(await kernelFiles(kernel))) {
      sizes.kernel += size;
      if (!skip()) await writer.addStream(`kernel/${relative}`, size, content);
    }
    const excluded = await (ledger ?? exclusionLedger(request.db, prepared));
    if (!skip()) await writer.addBuffer(excluded.name, excluded.body);

    const { volumes } = await writer.close(rows);
    const index = await writeSignedIndex(request.out, {
      archiveId: request.archiveId, createdAt, retentionDays: request.retentionDays, encryption: request.encryption.kind, volumes, sizes, signingKey: request.signingKey,
    });
    await removeJournal(request.out);
    return { index, tables: rows, members: writer.memberCount, resumed: journal !== undefined };
  } catch (error) {
    await writer.abort();
    throw translateWriteError(error);
  }
}

function translateWriteError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RepatriateError('REPAT_NO_SPACE', 'the disk of the output folder is full', {
      hint: 'free space or choose another output folder, then repeat the command: the build resumes after its last complete volume',
      cause: error,
    });
  }
  return error;
}

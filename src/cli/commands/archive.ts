import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { chosenScryptLogN, generatePassword, generatedScryptLogN } from '../../archive/password.js';
import type { Secret } from '../../archive/reader.js';
import { inspectArchive, verifyArchive } from '../../archive/verify.js';
import type { Encryption } from '../../archive/volume.js';
import { build, prepare, type BuildEvent } from '../../build/build.js';
import { planBuild } from '../../build/estimate.js';
import { readJournal } from '../../build/journal.js';
import { defaultPartBytes } from '../../build/parts.js';
import { RepatriateError } from '../../core/errors.js';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes, parseSize } from '../../core/size.js';
import { cloudPaths } from '../../platform/cloud.js';
import { referenceManifest } from '../../platform/manifest.js';
import { accountFilesDir, openExtraReaders, openSnapshot } from '../../platform/snapshot.js';
import { editions, type LicenseEdition } from '../../license/key.js';
import { formatTable, print, printJson } from '../output.js';
import { trustedVendorKeys, vendorDir } from '../trusted-keys.js';
import { accountAddress, nightOption, partSizeOption, sizeOption } from '../options.js';

/** `plan`, `build`, `inspect`, `verify`: the vendor's side of an archive and its checks (B3). */
/**
 * The generated password of an archive, kept in the vendor's folder (mode 0600) so an
 * interrupted build resumes with it; created on first use.
 */
export async function generatedPassword(home: string, archiveId: string): Promise<{ passphrase: string; file: string }> {
  const file = path.join(vendorDir(home), 'passwords', `${archiveId}.txt`);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) return { passphrase: existing.trim(), file };
  const passphrase = generatePassword();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, passphrase + '\n', { mode: 0o600 });
  return { passphrase, file };
}

async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RepatriateError('REPAT_USAGE', `cannot read the password file ${file}`, { hint: 'give a file whose first line is the password' });
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length === 0) throw new RepatriateError('REPAT_USAGE', `the password file ${file} is empty`, { hint: 'write the password on its first line' });
  return password;
}

function recipientOption(value: string, previous: string[] = []): string[] {
  if (!/^age1[0-9a-z]{58}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an age X25519 recipient (age1…)`);
  return [...previous, value];
}

type SnapshotDb = Awaited<ReturnType<typeof openSnapshot>>['db'];

/** Opens the snapshot for `work`, with `readers` further connections where the engine allows them (openExtraReaders). */
async function withSnapshot<T>(home: string, night: string, work: (db: SnapshotDb, takenAt: string, readers: SnapshotDb[]) => Promise<T>, readers = 0): Promise<T> {
  const snapshot = await openSnapshot(home, night);
  let extra: SnapshotDb[] = [];
  try {
    extra = await openExtraReaders(home, night, readers);
    return await work(snapshot.db, snapshot.meta.takenAt, extra);
  } finally {
    for (const db of [snapshot.db, ...extra]) await db.close();
  }
}

/** Progress: JSON lines on stderr with --json; on a terminal one line with rows, bytes, rate and ETA against the plan's estimate. */
function eventPrinter(json: boolean, estimatedBytes: number | undefined): (event: BuildEvent) => void {
  if (json) return (event) => process.stderr.write(JSON.stringify(event) + '\n');
  const progress = terminalProgress();
  const started = Date.now();
  let done = 0;
  let lastTable = '';
  let lastTableRaw = 0;
  return (event) => {
    if (event.type === 'table') {
      if (event.table !== lastTable) lastTableRaw = 0;
      done += event.raw - lastTableRaw;
      lastTable = event.table;
      lastTableRaw = event.raw;
    } else if (event.type === 'files') done += event.raw;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = done / seconds;
    const eta = estimatedBytes && rate > 0 ? `, ETA ${Math.max(0, Math.round((estimatedBytes - done) / rate))} s` : '';
    const moved = `${formatBytes(done)}${estimatedBytes ? ` of ~${formatBytes(estimatedBytes)}` : ''} at ${formatBytes(rate)}/s${eta}`;
    if (event.type === 'table') progress.update(`${event.table}`, `${event.rows.toLocaleString('en')} rows; ${moved}`);
    else if (event.type === 'files') progress.update('files', `${event.files} files; ${moved}`);
    else if (event.type === 'volume') progress.done(`volume ${event.name}`, `${formatBytes(event.size)} written`);
    else progress.done('resuming', `after ${event.volumes} complete volumes (${event.members} members)`);
  };
}

/** The edition of the customer's license: the data of the modules it lacks stays behind (M6). */
function editionOption(): Option {
  return new Option('--edition <edition>', 'the on-premise edition of the customer\'s license; data of modules it lacks stays behind, listed in excluded.json (default: every module moves)').choices(editions);
}

function editionOf(opts: { edition?: LicenseEdition }): { edition?: LicenseEdition } {
  return opts.edition ? { edition: opts.edition } : {};
}

export function archiveCommands(): Command[] {
  const plan = new Command('plan')
    .description('show what a build of one account would write, and what stays behind and why; writes nothing')
    .requiredOption('--account <url>', 'the account address, e.g. https://acme.cloud.example', accountAddress)
    .addOption(new Option('--snapshot <date>', 'the nightly snapshot to read (the night before this day)').argParser(nightOption).makeOptionMandatory())
    .addOption(editionOption())
    .option('--json', 'print the plan as JSON', false)
    .action(async (opts: { account: string; snapshot: string; edition?: LicenseEdition; json: boolean }) => {
      const home = repatriateHome();
      const report = await withSnapshot(home, opts.snapshot, async (db) => {
        const prepared = await prepare(db, referenceManifest(), cloudPaths(home).kernel, opts.account, editionOf(opts));
        return planBuild(db, prepared, accountFilesDir(home, opts.snapshot, opts.account));
      });
      if (opts.json) return printJson(report);
      print(`plan for ${report.account.address} from the snapshot of the night before ${opts.snapshot} (on-premise release ${report.release})`);
      print(`active users ${report.users.active} (${Object.entries(report.users.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
      print(formatTable(['on-premise table', 'from', 'rows', 'estimated'], report.tables.filter((t) => t.rows > 0).map((t) => [t.table, t.source ?? '', t.rows, formatBytes(t.estimatedBytes)])));
      print(`\nleft out:`);
      print(formatTable(['table', 'rows', 'task', 'why'], report.excludedTables.map((t) => [t.table, t.rows === null ? '-' : `${t.estimated ? '~' : ''}${t.rows}`, t.task ?? '-', t.reason])));
      print(formatTable(['column', 'policy', 'task'], report.excludedColumns.map((c) => [`${c.table}.${c.column}`, c.policy, c.task])));
      print(`\nfiles ${report.files.count} (${formatBytes(report.files.bytes)}), kernel ${report.kernel.release} ${report.kernel.files} files`);
      print(`estimated ${formatBytes(report.estimatedBytes)} before compression, about ${report.estimatedSeconds} s`);
    });

  const buildCommand = new Command('build')
    .description('build the encrypted, signed archive of one account from a nightly snapshot; resumes after a crash')
    .requiredOption('--account <url>', 'the account address', accountAddress)
    .addOption(new Option('--snapshot <date>', 'the nightly snapshot to read (the night before this day)').argParser(nightOption).makeOptionMandatory())
    .requiredOption('--out <dir>', 'an empty folder for the archive (or the folder of an interrupted build, to resume)')
    .option('--password-file <file>', 'encrypt with the password on the first line of this file (default: generate one)')
    .option('--recipient <age1…>', 'encrypt to an age X25519 recipient instead of a password (repeatable)', recipientOption)
    .addOption(new Option('--volume-size <size>', 'start a new volume after this much').argParser(sizeOption).default(parseSize('1GiB'), '1GiB'))
    .addOption(new Option('--part-size <size>', 'rows per table part, before compression (16KiB to 256MiB)').argParser(partSizeOption).default(defaultPartBytes, '16MiB'))
    .addOption(editionOption())
    .option('--json', 'print progress events and the result as JSON', false)
    .action(async (opts: { account: string; snapshot: string; out: string; passwordFile?: string; recipient?: string[]; volumeSize: number; partSize: number; edition?: LicenseEdition; json: boolean }) => {
      const home = repatriateHome();
      const out = path.resolve(opts.out);
      const result = await withSnapshot(home, opts.snapshot, async (db, takenAt, readers) => {
        const manifest = referenceManifest();
        const prepared = await prepare(db, manifest, cloudPaths(home).kernel, opts.account, editionOf(opts));
        const archiveId = (await readJournal(out))?.archiveId ?? randomUUID();
        let encryption: Encryption;
        let passwordFile: string | undefined;
        if (opts.recipient && opts.passwordFile) throw new RepatriateError('REPAT_USAGE', 'give either --password-file or --recipient, not both', { hint: 'age encrypts a file to a password or to recipients' });
        if (opts.recipient) encryption = { kind: 'recipients', recipients: opts.recipient };
        else if (opts.passwordFile) encryption = { kind: 'passphrase', passphrase: await readPasswordFile(opts.passwordFile), scryptLogN: chosenScryptLogN };
        else {
          const generated = await generatedPassword(home, archiveId);
          passwordFile = generated.file;
          encryption = { kind: 'passphrase', passphrase: generated.passphrase, scryptLogN: generatedScryptLogN };
        }
        // On a terminal the plan's estimate gives the progress line its ETA; scripts skip that work.
        const estimate = !opts.json && process.stderr.isTTY ? (await planBuild(db, prepared, accountFilesDir(home, opts.snapshot, opts.account))).estimatedBytes : undefined;
        // One further connection reads tables beside `db`, another counts the exclusion ledger meanwhile.
        const [tableReader, ledgerReader] = readers;
        const built = await build(
          {
            db, readers: tableReader ? [tableReader] : [], ...(ledgerReader ? { ledgerReader } : {}), manifest, kernelStore: cloudPaths(home).kernel, account: opts.account, snapshot: { night: opts.snapshot, takenAt },
            filesDir: accountFilesDir(home, opts.snapshot, opts.account), out, archiveId, encryption,
            volumeSize: opts.volumeSize, partBytes: opts.partSize, signingKey: await loadOrCreateSigningKey(vendorDir(home)),
            now: new Date(), retentionDays: 7, onEvent: eventPrinter(opts.json, estimate),
          },
          prepared,
        );
        return { ...built, passwordFile };
      }, 2);
      const bytes = result.index.volumes.reduce((a, v) => a + v.size, 0);
      if (opts.json) {
        return printJson({ archiveId: result.index.archiveId, out, resumed: result.resumed, volumes: result.index.volumes.map(({ name, size, sha256 }) => ({ name, size, sha256 })), bytes, tables: result.tables, members: result.members, expiresAt: result.index.expiresAt, passwordFile: result.passwordFile ?? null });
      }
      print(`archive ${result.index.archiveId} written to ${out}${result.resumed ? ' (resumed)' : ''}`);
      print(`${result.index.volumes.length} volume(s), ${formatBytes(bytes)}, ${Object.values(result.tables).reduce((a, b) => a + b, 0).toLocaleString('en')} rows, ${result.members} members; expires ${result.index.expiresAt}`);
      if (result.passwordFile) print(`the generated password is in ${result.passwordFile}; deliver it separately from the archive`);
    });

  const inspect = new Command('inspect')
    .description('check an archive without its password: signed index, every volume present with its size and hashes')
    .argument('<dir>', 'the archive folder')
    .option('--json', 'print the report as JSON', false)
    .action(async (dir: string, opts: { json: boolean }) => {
      const report = await inspectArchive(path.resolve(dir), await trustedVendorKeys(repatriateHome()));
      if (opts.json) return printJson({ ok: true, archiveId: report.index.archiveId, format: report.index.format, createdAt: report.index.createdAt, expiresAt: report.index.expiresAt, encryption: report.index.encryption, signedBy: report.signedBy, bytes: report.bytes, volumes: report.index.volumes.map(({ name, size, sha256 }) => ({ name, size, sha256 })) });
      print(`archive ${report.index.archiveId} (format ${report.index.format}), signed by vendor key ${report.signedBy}`);
      print(`created ${report.index.createdAt}, expires ${report.index.expiresAt}, encrypted to a ${report.index.encryption}`);
      print(formatTable(['volume', 'bytes', 'sha256'], report.index.volumes.map((v) => [v.name, v.size, v.sha256])));
      print('ok: signature and every volume hash match');
    });

  const verify = new Command('verify')
    .description('decrypt everything and check every member hash and row count against contents.json (B3)')
    .argument('<dir>', 'the archive folder')
    .option('--password-file <file>', 'the archive password, on the first line')
    .option('--identity <file>', 'an age identity file (AGE-SECRET-KEY-1…) for archives built with --recipient')
    .option('--json', 'print the report as JSON', false)
    .action(async (dir: string, opts: { passwordFile?: string; identity?: string; json: boolean }) => {
      let secret: Secret;
      if (opts.identity) secret = { identity: (await readFile(opts.identity, 'utf8')).split(/\r?\n/).find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? '' };
      else if (opts.passwordFile) secret = { passphrase: await readPasswordFile(opts.passwordFile) };
      else throw new RepatriateError('REPAT_USAGE', 'verify needs the password (--password-file) or an identity (--identity)', { hint: 'the password arrives separately from the archive' });
      const report = await verifyArchive(path.resolve(dir), await trustedVendorKeys(repatriateHome()), secret);
      if (opts.json) return printJson({ ok: true, archiveId: report.index.archiveId, signedBy: report.signedBy, volumes: report.index.volumes.length, members: report.members, rows: report.rows, files: report.files, tables: report.contents.tables });
      print(`archive ${report.index.archiveId}: ${report.index.volumes.length} volume(s), ${report.members} members, ${report.rows.toLocaleString('en')} rows, ${report.files} files`);
      print('ok: every member matches contents.json');
    });

  return [plan, buildCommand, inspect, verify];
}

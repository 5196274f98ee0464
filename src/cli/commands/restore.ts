import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Secret } from '../../archive/reader.js';
import { RepatriateError } from '../../core/errors.js';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes } from '../../core/size.js';
import { restore, type RestoreEvent, type RestoreResult } from '../../restore/restore.js';
import { describeTarget, parseTarget } from '../../restore/target.js';
import { formatTable, print, printJson } from '../output.js';
import { trustedLicenseKeys, trustedVendorKeys } from '../trusted-keys.js';

/** `repatriate restore`: the customer's side — needs only the archive, the license key and the password (R1). */
function loadPrinter(json: boolean): (event: RestoreEvent) => void {
  if (json) return (event) => process.stderr.write(JSON.stringify(event) + '\n');
  const progress = terminalProgress();
  return (event) => {
    if (event.type === 'table') progress.update(`loading ${event.table}`, `${event.rows.toLocaleString('en')} rows`);
    else if (event.type === 'files') progress.update('unpacking files', `${event.files} files, ${formatBytes(event.bytes)}`);
    else if (event.type === 'indexes') progress.update('indexing', event.table);
    else if (event.type === 'swap') progress.update('swapping in', 'every table and folder at once');
    else progress.update('reconciling', `reading back ${event.tables} tables and every file`);
  };
}

export function printRestore(result: RestoreResult): void {
  const p = result.preflight;
  print(`archive ${p.index.archiveId} of ${p.header.account.address} (snapshot of the night before ${p.header.snapshot.night}, release ${p.header.release})`);
  print(`license ${p.license.id}: ${p.license.edition}, ${p.license.seats} seats for ${p.header.users.active} active users`);
  print(`target: ${p.environment.engine} ${p.environment.version}, ${p.space.measured}`);
  for (const difference of p.environment.differences) print(`  differs from the recommended environment: ${difference}`);
  if (result.dryRun) {
    print(`dry run: every check passed and the whole archive verified (${result.verified.members} members, ${result.verified.rows.toLocaleString('en')} rows, ${result.verified.files} files); nothing was written`);
    return;
  }
  const r = result.reconcile;
  print(formatTable(['table', 'rows', 'archive', 'digest'], r.tables.filter((t) => t.expectedRows > 0).map((t) => [t.table, t.rows, t.expectedRows, t.digestMatches ? 'ok' : 'MISMATCH'])));
  print(`digests: ${r.checksum === 'record hash' ? "the target's record hashes against the source's in contents.json" : "the target's digest of its rows' text against the archive's rows"}`);
  print(`files: ${r.files.matching} of ${r.files.expected} match by SHA-256`);
  print(r.ok ? 'reconcile: ok — every table and file matches the archive' : 'reconcile: MISMATCH — see above');
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore an archive into an empty database and data directory: preflight, staged load, atomic swap, reconcile')
    .argument('<archive-dir>', 'the archive folder (index.json and vol-NNNN.age)')
    .requiredOption('--license <key>', 'your on-premise license key (RPL1.…)')
    .option('--password-file <file>', 'the archive password, on the first line (sent separately from the download)')
    .option('--identity <file>', 'an age identity file, for archives built to a recipient')
    .requiredOption('--db <target>', 'postgres://…, mysql://…, or a folder for the embedded database')
    .requiredOption('--data-dir <dir>', 'the installation folder for public files and the kernel (new or empty)')
    .option('--dry-run', 'run every check and a full decrypt-and-verify; write nothing', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (archiveDir: string, opts: { license: string; passwordFile?: string; identity?: string; db: string; dataDir: string; dryRun: boolean; json: boolean }) => {
      let secret: Secret;
      if (opts.identity) secret = { identity: (await readFile(opts.identity, 'utf8')).split(/\r?\n/).find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? '' };
      else if (opts.passwordFile) {
        const text = await readFile(opts.passwordFile, 'utf8').catch(() => {
          throw new RepatriateError('REPAT_USAGE', `cannot read the password file ${opts.passwordFile}`, { hint: 'give a file whose first line is the password' });
        });
        secret = { passphrase: text.split(/\r?\n/)[0] ?? '' };
      } else throw new RepatriateError('REPAT_USAGE', 'restore needs the archive password (--password-file)', { hint: 'the vendor sends the password separately from the download' });
      const home = repatriateHome();
      const target = parseTarget(opts.db);
      const result = await restore({
        archiveDir: path.resolve(archiveDir),
        secret,
        licenseKey: opts.license,
        target,
        dataDir: path.resolve(opts.dataDir),
        trustedArchiveKeys: await trustedVendorKeys(home),
        trustedLicenseKeys: await trustedLicenseKeys(home),
        today: new Date().toISOString().slice(0, 10),
        dryRun: opts.dryRun,
        onEvent: loadPrinter(opts.json),
      });
      if (opts.json) {
        const p = result.preflight;
        return printJson({
          dryRun: result.dryRun,
          archiveId: p.index.archiveId,
          account: p.header.account.address,
          target: { ...target, ...(target.engine === 'pglite' ? {} : { url: describeTarget(target) }) },
          license: { id: p.license.id, seats: p.license.seats, activeUsers: p.header.users.active },
          environment: p.environment,
          space: p.space,
          ...(result.dryRun ? { verified: { members: result.verified.members, rows: result.verified.rows, files: result.verified.files } } : { reconcile: result.reconcile }),
        });
      }
      printRestore(result);
      if (!result.dryRun && !result.reconcile.ok) process.exitCode = 12;
    });
}

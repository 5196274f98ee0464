import { Command, Option } from 'commander';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes } from '../../core/size.js';
import { redactUrl } from '../../engine/types.js';
import { initCloud, withCloud, type CloudConfig } from '../../platform/cloud.js';
import { setAccountState } from '../../platform/freeze.js';
import { setCloudPassword } from '../../platform/passwords.js';
import { readSecretFile } from './desk-common.js';
import { listSnapshots, openSnapshot, takeSnapshot, today } from '../../platform/snapshot.js';
import { cloudStats, type CloudStats } from '../../platform/stats.js';
import { formatTable, print, printJson } from '../output.js';
import { accountAddress, nightOption, positiveInt, postgresUrl, seedOption, sizeOption } from '../options.js';

/** `repatriate cloud …`: the reference cloud that stands in for the vendor's product. */
export function publicConfig(config: CloudConfig): CloudConfig {
  return config.database.engine === 'postgres' ? { ...config, database: { ...config.database, url: redactUrl(config.database.url) } } : config;
}

export function printStats(stats: CloudStats, options: { tables: boolean }): void {
  print(formatTable(
    ['account', 'edition', 'limit', 'renew', 'status', 'people', 'bots/sys/conn', 'rows', 'row bytes', 'files', 'file bytes'],
    stats.accounts.map((a) => [
      a.address, a.edition, a.userLimit, a.autoRenew ? 'on' : 'off', a.status,
      a.users.employee + a.users.extranet + a.users.invited + a.users.deactivated,
      `${a.users.bot}/${a.users.system}/${a.users.connector}`, a.rows, formatBytes(a.bytes), a.files.count, formatBytes(a.files.bytes),
    ]),
  ));
  print();
  print(formatTable(
    ['users by kind', ...stats.accounts.map((a) => new URL(a.address).hostname.split('.')[0]!)],
    (['employee', 'extranet', 'invited', 'deactivated', 'bot', 'system', 'connector'] as const).map((kind) => [kind, ...stats.accounts.map((a) => a.users[kind])]),
  ));
  if (!options.tables) return;
  print();
  const names = Object.keys(stats.accounts[0]?.tables ?? {});
  print(formatTable(['rows per table', ...stats.accounts.map((a) => new URL(a.address).hostname.split('.')[0]!)], names.map((n) => [n, ...stats.accounts.map((a) => a.tables[n]?.rows ?? 0)])));
  print();
  print(formatTable(['shared table', 'rows'], Object.entries(stats.shared).map(([n, c]) => [n, c.rows])));
}

export function cloudCommand(): Command {
  const cloud = new Command('cloud').description('the reference cloud: a multi-tenant product to move accounts out of');

  cloud
    .command('init')
    .description('generate a reference cloud: accounts, their rows and uploaded files, kernel releases')
    .addOption(new Option('--tenants <n>', 'number of accounts').argParser(positiveInt).default(3))
    .addOption(new Option('--size <size>', 'approximate data of all accounts together (rows + files), e.g. 50MB, 1GB').argParser(sizeOption).default(50e6, '50MB'))
    .addOption(new Option('--seed <n>', 'the same seed gives byte-identical data').argParser(seedOption).default(1))
    .addOption(new Option('--db <url>', 'a PostgreSQL database for the cloud (created if missing); embedded when absent').argParser(postgresUrl))
    .option('--force', 'replace an existing cloud in REPATRIATE_HOME', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { tenants: number; size: number; seed: number; db?: string; force: boolean; json: boolean }) => {
      const home = repatriateHome();
      const { config, report } = await initCloud(
        home,
        { seed: opts.seed, tenants: opts.tenants, size: opts.size, force: opts.force, ...(opts.db ? { databaseUrl: opts.db } : {}) },
        opts.json ? terminalProgress({ isTTY: false } as NodeJS.WriteStream) : terminalProgress(),
      );
      const fileBytes = report.tenants.reduce((a, t) => a + t.fileBytes, 0);
      if (opts.json) {
        printJson({ home, config: publicConfig(config), seconds: report.seconds, rowBytes: report.rowBytes, tables: report.tables });
        return;
      }
      print(`reference cloud created in ${home} (${config.database.engine === 'postgres' ? redactUrl(config.database.url) : 'embedded PGlite'})`);
      print(`${report.tenants.length} accounts, ${report.tables.reduce((a, t) => a + t.rows, 0).toLocaleString('en')} rows (${formatBytes(report.rowBytes)}) and about ${formatBytes(fileBytes)} of files in ${report.seconds.toFixed(1)} s`);
      for (const t of report.tenants) print(`  ${t.address}  ${t.edition.code}, ${t.people} people`);
    });

  cloud
    .command('snapshot')
    .description('take the nightly snapshot: an immutable copy of database and files, labelled with the day it precedes')
    .addOption(new Option('--at <date>', 'the day whose preceding night the snapshot stands for (YYYY-MM-DD)').argParser(nightOption))
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { at?: string; json: boolean }) => {
      const meta = await takeSnapshot(repatriateHome(), opts.at ?? today());
      if (opts.json) return printJson({ ...meta, database: meta.database.engine === 'postgres' ? { engine: 'postgres', url: redactUrl(meta.database.url) } : meta.database });
      print(`snapshot of the night before ${meta.at} taken (${meta.files.count} files, ${formatBytes(meta.files.bytes)})`);
    });

  cloud
    .command('snapshots')
    .description('list the nightly snapshots')
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const snapshots = await listSnapshots(repatriateHome());
      if (opts.json) return printJson(snapshots.map((s) => ({ at: s.at, takenAt: s.takenAt, engine: s.database.engine, files: s.files })));
      if (snapshots.length === 0) return print('no snapshots yet; take one with `repatriate cloud snapshot`');
      print(formatTable(['night before', 'taken at', 'engine', 'files', 'file bytes'], snapshots.map((s) => [s.at, s.takenAt, s.database.engine, s.files.count, formatBytes(s.files.bytes)])));
    });

  for (const [name, state, text] of [['freeze', 'frozen', 'freeze an account: the database refuses every write to its rows'], ['unfreeze', 'active', 'lift the freeze of an account']] as const) {
    cloud
      .command(name)
      .description(text)
      .requiredOption('--account <url>', 'the account address, e.g. https://acme.cloud.example', accountAddress)
      .option('--json', 'print the result as JSON', false)
      .action(async (opts: { account: string; json: boolean }) => {
        const result = await withCloud(repatriateHome(), (c) => setAccountState(c.db, opts.account, state));
        if (opts.json) return printJson({ account: opts.account, id: result.id, previous: result.previous, status: state });
        print(result.previous === state ? `${opts.account} was already ${state}` : `${opts.account} is now ${state}`);
      });
  }

  cloud
    .command('set-password')
    .description("give a cloud user a real password (argon2id in b_user.password, a secret column that never leaves the cloud); the desk signs administrators in with it (M2)")
    .requiredOption('--account <url>', 'the account address, e.g. https://acme.cloud.example', accountAddress)
    .requiredOption('--login <login>', 'the user\'s login, e.g. admin@acme.cloud.example')
    .requiredOption('--password-file <file>', 'a file whose first line is the password (at least 8 characters)')
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { account: string; login: string; passwordFile: string; json: boolean }) => {
      const password = await readSecretFile(opts.passwordFile, 'password');
      const result = await withCloud(repatriateHome(), (c) => setCloudPassword(c.db, opts.account, opts.login, password));
      if (opts.json) return printJson({ account: opts.account, login: opts.login, userId: result.userId });
      print(`${opts.login} of ${opts.account} has a new password`);
    });

  cloud
    .command('stats')
    .description('per account: users by kind, rows and bytes per table, uploaded files')
    .addOption(new Option('--snapshot <date>', 'read a snapshot instead of the live cloud').argParser(nightOption))
    .option('--tables', 'also print rows per table and account', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { snapshot?: string; tables: boolean; json: boolean }) => {
      const home = repatriateHome();
      let stats: CloudStats;
      if (opts.snapshot) {
        const snapshot = await openSnapshot(home, opts.snapshot);
        try {
          stats = await cloudStats(snapshot.db);
        } finally {
          await snapshot.db.close();
        }
      } else {
        stats = await withCloud(home, (c) => cloudStats(c.db));
      }
      if (opts.json) return printJson(stats);
      printStats(stats, { tables: opts.tables });
    });

  return cloud;
}

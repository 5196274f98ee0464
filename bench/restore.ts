import { cutToAccount, databaseBytes, withDb } from './account-only.js';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { prepare } from '../src/build/build.js';
import { formatBytes, parseSize } from '../src/core/size.js';
import { createDatabase, databaseName, dropDatabase, listDatabases, withDatabase } from '../src/engine/postgres/admin.js';
import { openPostgres } from '../src/engine/postgres/client.js';
import { cloudPaths, initCloud } from '../src/platform/cloud.js';
import { tenantWeights } from '../src/platform/generator/plan.js';
import { referenceManifest } from '../src/platform/manifest.js';
import { takeSnapshot } from '../src/platform/snapshot.js';
import { cliNodeFlags, mb, median, medianBy, output, round, shellQuote, timed, timedShell, table, throttledProgress, waitQuiet, watched, type CpuReport, type Timed } from './lib.js';

/**
 * The restore benchmark: acme (tenant 1, the largest account of a reference cloud on the local
 * PostgreSQL server) built into an archive once, then restored, against the reference tools on
 * the same rows:
 *
 *   npm run bench:restore -- --size 1GB [--seed 7] [--rounds 3] [--quiet-wait 120] [--password file|generated] [--keep]
 *
 * --password file (the default) builds with `--password-file`, which gives age's scrypt work
 * factor 2^18 (256 MiB, seconds of CPU per decryption); `--password generated` lets the build
 * generate its 150-bit password (work factor 2^10).
 *
 *  1. a cloud of 10 accounts whose acme holds about SIZE of rows (as bench/build.ts --basis rows),
 *     the snapshot of 2026-11-24, acme's archive built with `repatriate build --password-file`,
 *     an enterprise license issued (not timed);
 *  2. (a) `repatriate restore` into an empty PostgreSQL database: wall time, peak RSS (GNU time),
 *         stages split by the JSON load events on stderr;
 *     (b) `pg_restore -j2` of `pg_dump -Fc` of a database holding only acme's rows (the snapshot
 *         copied, every other account deleted along the manifest's boundaries, as bench/build.ts);
 *         only pg_restore is timed;
 *     (c) `repatriate restore` into an empty MariaDB database (utf8mb4);
 *     (d) `mysqldump --single-transaction` of the database (c) produced (not timed), then
 *         `mysql fresh_db < dump.sql` timed;
 *     in --rounds rounds: each round runs (a) and (b) back to back, then (c) and (d), ours first
 *     in odd rounds and the reference first in even ones; each ratio is the median of the
 *     rounds' ratios. The machine's speed drifts by tens of percent over minutes (another tenant
 *     of the host, which the guest's CPU counters do not show): a tool compared with its
 *     neighbour in time is compared at the same speed;
 *  3. a readable table on stdout (the median run of each step), and as the last line one JSON object.
 *
 * Everything lives in a scratch REPATRIATE_HOME under the OS temp folder and in databases named
 * repat_rbench_<run>… on both servers (MariaDB staging databases included), all dropped at the
 * end, also on failure and on Ctrl-C.
 */

const { values: args } = parseArgs({
  options: {
    size: { type: 'string' },
    seed: { type: 'string', default: '7' },
    server: { type: 'string', default: process.env['REPATRIATE_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    mysql: { type: 'string', default: process.env['REPATRIATE_BENCH_MYSQL'] ?? 'mysql://root@127.0.0.1:3306' },
    rounds: { type: 'string', default: '3' },
    'quiet-wait': { type: 'string', default: '120' },
    /** file: `build --password-file` (age's scrypt work factor 2^18, as a person's password); generated: the build's own 150-bit password (2^10). */
    password: { type: 'string', default: 'file' },
    keep: { type: 'boolean', default: false },
  },
});

const rounds = Number(args.rounds);
if (!args.size || !['file', 'generated'].includes(args.password) || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: npm run bench:restore -- --size 1GB [--seed 7] [--rounds 3] [--quiet-wait SECONDS] [--password file|generated] [--keep]\n');
  process.exit(2);
}

const size = parseSize(args.size);
const seed = Number(args.seed);
const server = args.server;
const mysqlUrl = new URL(args.mysql);
const quietWait = Number(args['quiet-wait']);
const account = 'https://acme.cloud.example';
const night = '2026-11-24';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const cliFlags = await cliNodeFlags(cli);
const runId = `repat_rbench_${process.pid}_${Date.now().toString(36)}`;

const started = Date.now();
function log(message: string): void {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${message}\n`);
}
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------
// MariaDB through its command-line client (root over TCP, as the restore connects)

const mysqlArgs = [
  '-h', mysqlUrl.hostname || '127.0.0.1', '-P', mysqlUrl.port || '3306', '-u', decodeURIComponent(mysqlUrl.username || 'root'),
  ...(mysqlUrl.password ? [`-p${decodeURIComponent(mysqlUrl.password)}`] : []),
];
const mysqlTarget = (db: string): string => {
  const u = new URL(mysqlUrl.href);
  u.pathname = `/${db}`;
  return u.href;
};
const mysqlExec = (sql: string): Promise<string> => output('mysql', [...mysqlArgs, '-N', '-B', '-e', sql]);

// ---------------------------------------------------------------------------------------------
// Scratch space and cleanup

const scratch = await mkdtemp(path.join(os.tmpdir(), 'repat-rbench-'));
let cleaning: Promise<void> | undefined;
/** Drops every database of this run on both servers and the scratch folder; one shared promise. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (args.keep) return;
    for (const db of await listDatabases(server, runId).catch(() => [] as string[])) {
      await dropDatabase(withDatabase(server, db)).catch((e: unknown) => log(`could not drop ${db}: ${(e as Error).message}`));
    }
    const maria = await mysqlExec(`SHOW DATABASES LIKE '${runId}%'`).catch(() => '');
    for (const db of maria.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(runId))) {
      await mysqlExec(`DROP DATABASE IF EXISTS \`${db}\``).catch((e: unknown) => log(`could not drop MariaDB ${db}: ${(e as Error).message}`));
    }
    await rm(scratch, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}



async function mariaBytes(db: string): Promise<number> {
  const text = await mysqlExec(`SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = '${db}'`);
  return Number(text.trim());
}


/** Waits (at most --quiet-wait seconds) for the machine to calm down, then runs the measurement. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  if (quietWait > 0) await waitQuiet(log, 0.15, quietWait);
  return work();
}

// ---------------------------------------------------------------------------------------------
// Steps

/** Sizing as bench/build.ts --basis rows: acme (weight 10 of tenantWeights(10)) plans SIZE of rows plus a quarter in files. */
const fileShare = 0.25;
const tenants = 10;
const acmePlanned = size / (1 - fileShare);
const cloudSize = Math.round((acmePlanned * sum(tenantWeights(tenants))) / 10);

interface Cloud {
  readonly home: string;
  readonly snapshotDb: string;
  readonly snapshotUrl: string;
  readonly rowBytes: number;
  readonly generateSeconds: number;
}

async function makeCloud(): Promise<Cloud> {
  const home = path.join(scratch, 'home');
  const url = withDatabase(server, `${runId}_cloud`);
  log(`generating the cloud: ${tenants} tenants, --size ${formatBytes(cloudSize)} (acme rows planned ${formatBytes(size)})`);
  let t = Date.now();
  const { report } = await initCloud(home, { seed, tenants, size: cloudSize, databaseUrl: url }, throttledProgress('cloud', log));
  const generateSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const meta = await takeSnapshot(home, night);
  if (meta.database.engine !== 'postgres') throw new Error('expected a server snapshot');
  await dropDatabase(url);
  log(`  generated in ${generateSeconds.toFixed(0)} s (${formatBytes(report.rowBytes)} of rows), snapshot in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return { home, snapshotDb: databaseName(meta.database.url), snapshotUrl: meta.database.url, rowBytes: report.rowBytes, generateSeconds };
}

interface Built {
  readonly archive: string;
  readonly passwordFile: string;
  readonly license: string;
  readonly archiveBytes: number;
  readonly rowsByTable: Readonly<Record<string, number>>;
  readonly seconds: number;
}

async function buildArchive(cloud: Cloud): Promise<Built> {
  const archive = path.join(scratch, 'acme-archive');
  let passwordFile = path.join(scratch, 'password.txt');
  if (args.password === 'file') await writeFile(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  const env = { ...process.env, REPATRIATE_HOME: cloud.home };
  const passwordArgs = args.password === 'file' ? ['--password-file', passwordFile] : [];
  const run = await timed(process.execPath, [...cliFlags, cli, 'build', '--account', account, '--snapshot', night, '--out', archive, ...passwordArgs, '--json'], path.join(scratch, 'time.txt'), { env });
  const result = JSON.parse(run.stdout) as { bytes: number; tables: Record<string, number>; passwordFile: string | null };
  if (args.password === 'generated') passwordFile = result.passwordFile!;
  const issued = JSON.parse(await output(process.execPath, [cli, 'license', 'issue', '--edition', 'enterprise', '--seats', '100000', '--until', '2099-12-31', '--json'], env)) as { key: string };
  return { archive, passwordFile, license: issued.key, archiveBytes: result.bytes, rowsByTable: result.tables, seconds: run.seconds };
}

/**
 * A database holding only acme's rows: the snapshot copied, every other account's rows deleted
 * along the manifest's account boundaries, VACUUM FULL (the same preparation as bench/build.ts).
 */
async function acmeOnlyDatabase(cloud: Cloud, built: Built): Promise<{ name: string; url: string; check: string; seconds: number }> {
  const { accountId, exports } = await withDb(cloud.snapshotUrl, async (db) => {
    const prepared = await prepare(db, referenceManifest(), cloudPaths(cloud.home).kernel, account);
    return { accountId: prepared.account.id, exports: prepared.plan.exports.flatMap((e) => (e.query && e.source ? [{ table: e.target.name, source: e.source }] : [])) };
  });
  const name = `${runId}_acme`;
  const url = withDatabase(server, name);
  const t = Date.now();
  await createDatabase(url, { template: cloud.snapshotDb });
  const { check } = await cutToAccount(url, accountId, exports, built.rowsByTable);
  return { name, url, check, seconds: (Date.now() - t) / 1000 };
}


// ---------------------------------------------------------------------------------------------
// What the database is doing during our restore: its session's statement sampled every 250 ms
// (pg_stat_activity / information_schema.PROCESSLIST), classified, counted as seconds.

const sampleMs = 250;

function classify(sql: string | null, active: boolean): string {
  if (!active || !sql) return 'db idle (client works: decrypt, preflight, digest…)';
  if (/^\s*COPY\s+\S+.*FROM\s+STDIN/is.test(sql) || /^\s*LOAD\s+DATA/i.test(sql)) return 'rows: COPY FROM / LOAD DATA';
  if (/FOREIGN\s+KEY/i.test(sql)) return 'foreign keys';
  if (/PRIMARY\s+KEY|CREATE\s+(UNIQUE\s+)?INDEX|ADD\s+(UNIQUE\s+)?(INDEX|KEY)/i.test(sql)) return 'primary keys and indexes';
  if (/^\s*COPY\s*\(|TO\s+STDOUT/is.test(sql) || /^\s*SELECT/i.test(sql)) return 'reads (reconcile read-back, checks)';
  return 'other statements';
}

class StatementSampler {
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private close: (() => Promise<void>) | undefined;
  private poll: (() => Promise<void>) | undefined;

  constructor(private readonly engine: 'postgres' | 'mysql', private readonly database: string) {}

  private add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  async begin(): Promise<void> {
    if (this.engine === 'postgres') {
      const client = await openPostgres(withDatabase(server, 'postgres'));
      this.close = () => client.close();
      this.poll = async () => {
        const rows = await client.query<{ state: string | null; query: string | null }>(
          "SELECT state, query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [this.database]);
        for (const r of rows) this.add(classify(r.query, r.state === 'active'));
      };
    } else {
      const connection = await mysql.createConnection({ host: mysqlUrl.hostname || '127.0.0.1', port: Number(mysqlUrl.port || 3306), user: decodeURIComponent(mysqlUrl.username || 'root'), password: decodeURIComponent(mysqlUrl.password) || undefined });
      this.close = () => connection.end();
      this.poll = async () => {
        const [rows] = await connection.query("SELECT COMMAND AS command, INFO AS info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND (DB = ? OR DB = ?)", [this.database, `${this.database}_repatriate_staging`]);
        for (const r of rows as { command: string; info: string | null }[]) this.add(classify(r.info, r.command === 'Query'));
      };
    }
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll!()).catch(() => undefined);
    }, sampleMs);
  }

  async end(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.polling;
    await this.close?.().catch(() => undefined);
    return Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round((n * sampleMs) / 1000, 1)]));
  }
}

interface Stages {
  /** Start → first table part loaded: process start, preflight, schema, first part. */
  readonly toFirstPart: number;
  /** First → last table part. */
  readonly rows: number;
  /** Last table part → the `swap` event: files and kernel written while keys, indexes, foreign keys and sequences are built. */
  readonly filesAndIndexes: number;
  /** `swap` event → exit: the swap and the reconcile's read-back. */
  readonly swapAndReconcile: number;
  /** Per table: seconds since the previous table's last part. */
  readonly tables: readonly { readonly table: string; readonly seconds: number; readonly rows: number }[];
}

interface OurRestore {
  readonly run: Timed;
  readonly cpu: CpuReport;
  readonly stages: Stages;
  readonly reconcileOk: boolean;
  readonly rows: number;
  /** Seconds the target's sessions spent per kind of statement (sampled). */
  readonly statements: Record<string, number>;
}

async function ourRestore(label: string, built: Built, home: string, db: string, watchDb: string, engine: 'postgres' | 'mysql'): Promise<OurRestore> {
  const dataDir = path.join(scratch, `${label}-data`);
  const sampler = new StatementSampler(engine, watchDb);
  await sampler.begin();
  const statements: Promise<Record<string, number>>[] = [];
  const events: { at: number; event: { type: string; table?: string; rows?: number } }[] = [];
  const { result: run, cpu } = await watched(server, watchDb, () =>
    timed(process.execPath, [...cliFlags, cli, 'restore', built.archive, '--license', built.license, '--password-file', built.passwordFile, '--db', db, '--data-dir', dataDir, '--json'], path.join(scratch, 'time.txt'), {
      env: { ...process.env, REPATRIATE_HOME: home },
      onStderrLine: (line, at) => {
        try {
          events.push({ at, event: JSON.parse(line) as (typeof events)[number]['event'] });
        } catch {
          // not an event line
        }
      },
    }),
  ).finally(() => statements.push(sampler.end()));
  const result = JSON.parse(run.stdout) as { reconcile: { ok: boolean; tables: { table: string; rows: number }[] } };
  const tableEvents = events.filter((e) => e.event.type === 'table');
  const firstPart = tableEvents[0]?.at ?? 0;
  const lastPart = tableEvents.at(-1)?.at ?? firstPart;
  const swap = events.find((e) => e.event.type === 'swap')?.at ?? lastPart;
  const last = new Map<string, { at: number; rows: number }>();
  for (const { at, event } of tableEvents) last.set(event.table!, { at, rows: event.rows ?? 0 });
  let previous = 0;
  const tables = [...last].map(([table, { at, rows }]) => {
    const entry = { table, seconds: at - previous, rows };
    previous = at;
    return entry;
  });
  await rm(dataDir, { recursive: true, force: true });
  return {
    run, cpu, reconcileOk: result.reconcile.ok, statements: await statements[0]!, rows: sum(result.reconcile.tables.map((t) => t.rows)),
    stages: { toFirstPart: firstPart, rows: lastPart - firstPart, filesAndIndexes: swap - lastPart, swapAndReconcile: run.seconds - swap, tables },
  };
}

// ---------------------------------------------------------------------------------------------
// The run


const rssMb = (t: Timed): number => round(t.maxRssKb / 1024, 1);
const cpuOf = (t: Timed): number => round(t.userSeconds + t.systemSeconds, 1);
const busy = (c: CpuReport): string => `${Math.round(c.machineBusy * 100)}%`;

try {
  await mkdir(scratch, { recursive: true });
  log(`scratch ${scratch}, databases ${runId}_* (PostgreSQL ${new URL(server).host}, MariaDB ${mysqlUrl.host}), CLI node ${[...cliFlags, cli].join(' ')}`);

  const cloud = await makeCloud();
  log('building acme\'s archive (not timed) and issuing a license');
  const built = await buildArchive(cloud);
  log(`  archive ${formatBytes(built.archiveBytes)} in ${built.seconds.toFixed(1)} s`);
  log('preparing an acme-only database and its pg_dump -Fc (not timed)');
  const acme = await acmeOnlyDatabase(cloud, built);
  // The snapshot is not needed any more: free the disk and the cache for the restores.
  await dropDatabase(cloud.snapshotUrl);
  const acmeDbBytes = await databaseBytes(server, acme.name);
  const dumpFc = path.join(scratch, 'acme.dump');
  await output('pg_dump', ['-Fc', '-d', acme.url, '-f', dumpFc]);
  const dumpFcBytes = (await stat(dumpFc)).size;
  await dropDatabase(acme.url);
  log(`  acme-only database ${formatBytes(acmeDbBytes)} (prepared in ${acme.seconds.toFixed(0)} s; ${acme.check}); dump ${formatBytes(dumpFcBytes)}`);
  await withDb(server, (db) => db.exec('CHECKPOINT'));
  await output('sync', []);

  /** PostgreSQL settles after each step: its checkpoint and the kernel's writeback are not left to the next measurement. */
  const settle = async (): Promise<void> => {
    await withDb(server, (db) => db.exec('CHECKPOINT'));
    await output('sync', []);
  };
  const oursIntoPg = async (): Promise<{ restore: OurRestore; dbBytes: number }> => {
    const name = `${runId}_ours`;
    await createDatabase(withDatabase(server, name));
    const restore = await quietly(() => ourRestore('pg', built, cloud.home, withDatabase(server, name), name, 'postgres'));
    log(`  (a) our restore → PostgreSQL ${restore.run.seconds.toFixed(1)} s, peak RSS ${rssMb(restore.run)} MB, reconcile ${restore.reconcileOk ? 'ok' : 'MISMATCH'}`);
    const dbBytes = await databaseBytes(server, name);
    await dropDatabase(withDatabase(server, name));
    await settle();
    return { restore, dbBytes };
  };
  const pgRestoreJ2 = async (): Promise<{ run: Timed; cpu: CpuReport; dbBytes: number }> => {
    const name = `${runId}_pgrestore`;
    await createDatabase(withDatabase(server, name));
    const { result: run, cpu } = await quietly(() => watched(server, name, () => timed('pg_restore', ['-j2', '-d', withDatabase(server, name), dumpFc], path.join(scratch, 'time.txt'))));
    log(`  (b) pg_restore -j2 ${run.seconds.toFixed(1)} s`);
    const dbBytes = await databaseBytes(server, name);
    await dropDatabase(withDatabase(server, name));
    await settle();
    return { run, cpu, dbBytes };
  };
  const dumpSql = path.join(scratch, 'acme.sql');
  let dumpSqlBytes = 0;
  const oursIntoMaria = async (): Promise<{ restore: OurRestore; dbBytes: number }> => {
    const name = `${runId}_ours`;
    await mysqlExec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const restore = await quietly(() => ourRestore('maria', built, cloud.home, mysqlTarget(name), name, 'mysql'));
    log(`  (c) our restore → MariaDB ${restore.run.seconds.toFixed(1)} s, peak RSS ${rssMb(restore.run)} MB, reconcile ${restore.reconcileOk ? 'ok' : 'MISMATCH'}`);
    const dbBytes = await mariaBytes(name);
    if (dumpSqlBytes === 0) {
      log('  (d) mysqldump of that database (not timed), the input of mysql < dump.sql');
      await timedShell(`mysqldump ${mysqlArgs.map(shellQuote).join(' ')} --single-transaction --skip-lock-tables ${name} > ${shellQuote(dumpSql)}`, path.join(scratch, 'time.txt'));
      dumpSqlBytes = (await stat(dumpSql)).size;
    }
    await mysqlExec(`DROP DATABASE \`${name}\``);
    return { restore, dbBytes };
  };
  const mysqlFromDump = async (): Promise<{ run: Timed; cpu: CpuReport }> => {
    const name = `${runId}_mysql`;
    await mysqlExec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const { result: run, cpu } = await quietly(() => watched(server, name, () => timedShell(`mysql ${mysqlArgs.map(shellQuote).join(' ')} ${name} < ${shellQuote(dumpSql)}`, path.join(scratch, 'time.txt'))));
    log(`  (d) mysql < dump.sql ${run.seconds.toFixed(1)} s`);
    await mysqlExec(`DROP DATABASE \`${name}\``);
    return { run, cpu };
  };

  // Each round runs each engine's pair back to back, ours first in odd rounds and the reference
  // first in even ones; the first round's MariaDB restore also gives mysqldump its database.
  const roundsRun: { oursPg: Awaited<ReturnType<typeof oursIntoPg>>; pgRestore: Awaited<ReturnType<typeof pgRestoreJ2>>; oursMaria: Awaited<ReturnType<typeof oursIntoMaria>>; mysql: Awaited<ReturnType<typeof mysqlFromDump>> }[] = [];
  for (let r = 0; r < rounds; r++) {
    const oursFirst = r % 2 === 0;
    log(`round ${r + 1} of ${rounds}: ${oursFirst ? 'ours, then the reference tool' : 'the reference tool, then ours'}, PostgreSQL then MariaDB`);
    let oursPg, pgRestore, oursMaria, mysql;
    if (oursFirst) {
      oursPg = await oursIntoPg();
      pgRestore = await pgRestoreJ2();
      oursMaria = await oursIntoMaria();
      mysql = await mysqlFromDump();
    } else {
      pgRestore = await pgRestoreJ2();
      oursPg = await oursIntoPg();
      mysql = await mysqlFromDump();
      oursMaria = await oursIntoMaria();
    }
    roundsRun.push({ oursPg, pgRestore, oursMaria, mysql });
  }
  const medianRound = <T>(pick: (round: (typeof roundsRun)[number]) => T, seconds: (item: T) => number): T => medianBy(roundsRun.map(pick), seconds);
  const { restore: oursPg, dbBytes: oursPgDbBytes } = medianRound((r) => r.oursPg, (x) => x.restore.run.seconds);
  const { run: pgRestore, cpu: pgRestoreCpu, dbBytes: pgRefDbBytes } = medianRound((r) => r.pgRestore, (x) => x.run.seconds);
  const { restore: oursMaria, dbBytes: oursMariaDbBytes } = medianRound((r) => r.oursMaria, (x) => x.restore.run.seconds);
  const { run: mysqlLoad, cpu: mysqlCpu } = medianRound((r) => r.mysql, (x) => x.run.seconds);

  // ---- report
  // Each round's restore against the reference tool of the same round (the machine's speed drifts), then the median.
  const ratiosPg = roundsRun.map((r) => r.oursPg.restore.run.seconds / r.pgRestore.run.seconds);
  const ratiosMaria = roundsRun.map((r) => r.oursMaria.restore.run.seconds / r.mysql.run.seconds);
  const ratioPg = median(ratiosPg);
  const ratioMaria = median(ratiosMaria);
  const peakRss = Math.max(...roundsRun.flatMap((r) => [r.oursPg.restore.run.maxRssKb, r.oursMaria.restore.run.maxRssKb])) / 1024;
  const reconcileOk = (engine: 'oursPg' | 'oursMaria'): boolean => roundsRun.every((r) => r[engine].restore.reconcileOk);
  const targets = { vs_pg_restore: 1.0, vs_mysql: 0.6, peak_rss_mb: 256 };
  const out = (line = ''): void => void process.stdout.write(line + '\n');
  out();
  out(`restore benchmark: acme (${account}) from the snapshot of ${night}; --size ${args.size}, seed ${seed}, password ${args.password === 'file' ? '--password-file (scrypt 2^18)' : 'generated (scrypt 2^10)'}`);
  out(`cloud: ${tenants} tenants, ${formatBytes(cloud.rowBytes)} of rows; acme archive ${formatBytes(built.archiveBytes)}, ${sum(Object.values(built.rowsByTable)).toLocaleString('en')} rows; acme-only db ${formatBytes(acmeDbBytes)}`);
  out();
  out(table(['step', 'seconds', 'input', 'result db', 'tool CPU s', 'pg backend CPU s', 'peak RSS', 'machine busy'], [
    ['(a) our restore → PostgreSQL', round(oursPg.run.seconds, 1), formatBytes(built.archiveBytes), formatBytes(oursPgDbBytes), cpuOf(oursPg.run), round(oursPg.cpu.backendSeconds, 1), `${rssMb(oursPg.run)} MB`, busy(oursPg.cpu)],
    ['(b) pg_restore -j2 (dump -Fc)', round(pgRestore.seconds, 1), formatBytes(dumpFcBytes), formatBytes(pgRefDbBytes), cpuOf(pgRestore), round(pgRestoreCpu.backendSeconds, 1), `${rssMb(pgRestore)} MB`, busy(pgRestoreCpu)],
    ['(c) our restore → MariaDB', round(oursMaria.run.seconds, 1), formatBytes(built.archiveBytes), formatBytes(oursMariaDbBytes), cpuOf(oursMaria.run), '', `${rssMb(oursMaria.run)} MB`, busy(oursMaria.cpu)],
    ['(d) mysql < mysqldump', round(mysqlLoad.seconds, 1), formatBytes(dumpSqlBytes), '', cpuOf(mysqlLoad), '', `${rssMb(mysqlLoad)} MB`, busy(mysqlCpu)],
  ]));
  out();
  out('where our restores spend their time (from the JSON load events on stderr):');
  out(table(['stage', 'PostgreSQL s', 'MariaDB s'], [
    ['start → first table part (preflight, schema, first part)', round(oursPg.stages.toFirstPart, 1), round(oursMaria.stages.toFirstPart, 1)],
    ['table parts (first → last)', round(oursPg.stages.rows, 1), round(oursMaria.stages.rows, 1)],
    ['files and kernel, meanwhile keys, indexes, FKs, sequences', round(oursPg.stages.filesAndIndexes, 1), round(oursMaria.stages.filesAndIndexes, 1)],
    ['swap and reconcile', round(oursPg.stages.swapAndReconcile, 1), round(oursMaria.stages.swapAndReconcile, 1)],
  ]));
  out();
  const kinds = [...new Set([...Object.keys(oursPg.statements), ...Object.keys(oursMaria.statements)])];
  out(`what the target database's sessions were doing during our restores (sampled every ${sampleMs} ms, seconds per session):`);
  out(table(['statement kind', 'PostgreSQL s', 'MariaDB s'], kinds.map((k) => [k, oursPg.statements[k] ?? 0, oursMaria.statements[k] ?? 0])));
  out();
  const mariaTables = new Map(oursMaria.stages.tables.map((t) => [t.table, t]));
  const heavy = oursPg.stages.tables.filter((t) => t.seconds >= 0.05 * (oursPg.stages.toFirstPart + oursPg.stages.rows) || (mariaTables.get(t.table)?.seconds ?? 0) >= 0.05 * (oursMaria.stages.toFirstPart + oursMaria.stages.rows));
  out('tables taking ≥5 % of the load (seconds since the previous table\'s last part; the first includes the preflight):');
  out(table(['table', 'rows', 'PostgreSQL s', 'MariaDB s'], heavy.map((t) => [t.table, t.rows.toLocaleString('en'), round(t.seconds, 1), round(mariaTables.get(t.table)?.seconds ?? 0, 1)])));
  out();
  const list = (values: readonly number[], digits: number): string => values.map((v) => v.toFixed(digits)).join(' / ');
  out(`rounds (${rounds}): ours → PostgreSQL ${list(roundsRun.map((r) => r.oursPg.restore.run.seconds), 1)} s, pg_restore -j2 ${list(roundsRun.map((r) => r.pgRestore.run.seconds), 1)} s; ours → MariaDB ${list(roundsRun.map((r) => r.oursMaria.restore.run.seconds), 1)} s, mysql < dump ${list(roundsRun.map((r) => r.mysql.run.seconds), 1)} s`);
  out(`  each round's ratio vs pg_restore ${list(ratiosPg, 2)}; vs mysql ${list(ratiosMaria, 2)} (the tables above show the median run)`);
  const verdict = (value: number, target: number): string => `${value.toFixed(2)} (target ≤ ${target}: ${value <= target ? 'met' : 'MISSED'})`;
  out(`ratio vs pg_restore -j2     ${verdict(ratioPg, targets.vs_pg_restore)}`);
  out(`ratio vs mysql < mysqldump  ${verdict(ratioMaria, targets.vs_mysql)}`);
  out(`peak RSS                    ${peakRss.toFixed(0)} MB (target ≤ ${targets.peak_rss_mb}: ${peakRss <= targets.peak_rss_mb ? 'met' : 'MISSED'})`);
  out(`reconcile, every round: PostgreSQL ${reconcileOk('oursPg') ? 'ok' : 'MISMATCH'}, MariaDB ${reconcileOk('oursMaria') ? 'ok' : 'MISMATCH'}; acme-only db check: ${acme.check}`);

  const json = {
    bench: 'restore',
    size: args.size,
    size_bytes: size,
    seed,
    password: args.password,
    ratio_vs_pg_restore: round(ratioPg, 3),
    ratio_vs_mysql: round(ratioMaria, 3),
    peak_rss_mb: round(peakRss, 1),
    targets,
    seconds: {
      ours_pg: round(oursPg.run.seconds), pg_restore_j2: round(pgRestore.seconds),
      ours_maria: round(oursMaria.run.seconds), mysql_load: round(mysqlLoad.seconds),
      ours_pg_stages: { to_first_part: round(oursPg.stages.toFirstPart), rows: round(oursPg.stages.rows), files_and_indexes: round(oursPg.stages.filesAndIndexes), swap_and_reconcile: round(oursPg.stages.swapAndReconcile) },
      ours_maria_stages: { to_first_part: round(oursMaria.stages.toFirstPart), rows: round(oursMaria.stages.rows), files_and_indexes: round(oursMaria.stages.filesAndIndexes), swap_and_reconcile: round(oursMaria.stages.swapAndReconcile) },
      build: round(built.seconds), generate: round(cloud.generateSeconds), acme_db_prepare: round(acme.seconds), total_run: round((Date.now() - started) / 1000),
    },
    cpu_seconds: {
      ours_pg: cpuOf(oursPg.run), ours_pg_backend: round(oursPg.cpu.backendSeconds), pg_restore: cpuOf(pgRestore), pg_restore_backend: round(pgRestoreCpu.backendSeconds),
      ours_maria: cpuOf(oursMaria.run), mysql_client: cpuOf(mysqlLoad),
    },
    machine_busy: { ours_pg: round(oursPg.cpu.machineBusy), pg_restore: round(pgRestoreCpu.machineBusy), ours_maria: round(oursMaria.cpu.machineBusy), mysql_load: round(mysqlCpu.machineBusy) },
    statements_seconds: { ours_pg: oursPg.statements, ours_maria: oursMaria.statements },
    peak_rss_mb_pg: round(Math.max(...roundsRun.map((r) => r.oursPg.restore.run.maxRssKb)) / 1024, 1), peak_rss_mb_maria: round(Math.max(...roundsRun.map((r) => r.oursMaria.restore.run.maxRssKb)) / 1024, 1),
    mb: {
      archive: mb(built.archiveBytes), pg_dump_fc: mb(dumpFcBytes), mysqldump_sql: mb(dumpSqlBytes), acme_only_db: mb(acmeDbBytes),
      ours_pg_db: mb(oursPgDbBytes), pg_restore_db: mb(pgRefDbBytes), ours_maria_db: mb(oursMariaDbBytes), cloud_rows: mb(cloud.rowBytes),
    },
    rows: { archive: sum(Object.values(built.rowsByTable)), restored_pg: oursPg.rows, restored_maria: oursMaria.rows },
    reconcile_ok: { pg: reconcileOk('oursPg'), maria: reconcileOk('oursMaria') },
    rounds: {
      count: rounds,
      ours_pg: roundsRun.map((r) => round(r.oursPg.restore.run.seconds)), pg_restore_j2: roundsRun.map((r) => round(r.pgRestore.run.seconds)),
      ours_maria: roundsRun.map((r) => round(r.oursMaria.restore.run.seconds)), mysql_load: roundsRun.map((r) => round(r.mysql.run.seconds)),
      ratio_vs_pg_restore: ratiosPg.map((v) => round(v, 3)), ratio_vs_mysql: ratiosMaria.map((v) => round(v, 3)),
    },
    acme_db_check: acme.check,
    node: process.version,
  };
  out(JSON.stringify(json));
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

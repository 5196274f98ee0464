import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { openPostgres } from '../src/engine/postgres/client.js';
import { withDatabase } from '../src/engine/postgres/admin.js';
import type { Progress } from '../src/core/progress.js';

/**
 * Small helpers for the benchmarks: timed child processes (wall time, CPU and peak RSS through
 * GNU time), CPU sampling of the machine and of the PostgreSQL backends serving one database.
 */

/**
 * The node flags on the CLI's `#!` line (src/cli/main.ts), so that a benchmark runs the CLI as
 * `npx repatriate` does, not as a bare `node main.js`.
 */
export async function cliNodeFlags(cli: string): Promise<string[]> {
  const [first = ''] = (await readFile(cli, 'utf8')).split('\n', 1);
  const flags = /^#!\/usr\/bin\/env -S node (.*)$/.exec(first)?.[1];
  return flags ? flags.split(/\s+/).filter(Boolean) : [];
}

export interface Timed {
  readonly seconds: number;
  /** From GNU time: user and system CPU seconds of the child and its waited-for children, peak RSS of the largest. */
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly maxRssKb: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with every stderr line as it arrives, with the seconds since the start. */
  readonly onStderrLine?: (line: string, at: number) => void;
  /** Keep stdout in memory (default true); false sends it to /dev/null. */
  readonly captureStdout?: boolean;
}

const timeFormat = 'BENCH_TIME %e %U %S %M';

/** Runs a command under /usr/bin/time and fails when it exits non-zero. */
export async function timed(command: string, args: readonly string[], timeFile: string, options: RunOptions = {}): Promise<Timed> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', timeFormat, '-o', timeFile, command, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', options.captureStdout === false ? 'ignore' : 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  const errLines: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (line) => {
    errLines.push(line);
    if (errLines.length > 2000) errLines.splice(0, 1000);
    options.onStderrLine?.(line, Number(process.hrtime.bigint() - started) / 1e9);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = errLines.join('\n');
  if (code !== 0) throw new Error(`${command} ${args.join(' ').slice(0, 300)} exited with ${code}\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
  const stats = (await readFile(timeFile, 'utf8')).split('\n').find((l) => l.startsWith('BENCH_TIME '));
  const [, , user, system, rss] = (stats ?? '').split(' ');
  return { seconds, userSeconds: Number(user), systemSeconds: Number(system), maxRssKb: Number(rss), stdout, stderr };
}

/** A bash script with pipefail, timed. */
export function timedShell(script: string, timeFile: string, env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return timed('bash', ['-o', 'pipefail', '-e', '-c', script], timeFile, { env });
}

/** Runs a command to completion and returns its stdout (for tools whose time is not measured). */
export async function output(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(err).toString()}`);
  return Buffer.concat(out).toString('utf8') + Buffer.concat(err).toString('utf8');
}

let clockTicks: number | undefined;
async function ticksPerSecond(): Promise<number> {
  clockTicks ??= Number((await output('getconf', ['CLK_TCK'])).trim()) || 100;
  return clockTicks;
}

async function processCpuTicks(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return undefined;
  }
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet (another user's tests or the kernel flushing a freshly copied
 * database would skew a measurement): the page cache's dirty pages written out (`sync`), then
 * busy below `threshold` of all cores over 3 s. Without the `sync`, the gigabytes an earlier step
 * wrote went to disk during the next measurement: the restore benchmark's run into MariaDB,
 * right after the two PostgreSQL restores, took 54.5 s without it and 38.6 s with it (disk
 * waits count as idle here, so the busy check alone did not wait for them).
 */
export async function waitQuiet(log: (message: string) => void, threshold = 0.15, maxSeconds = 900): Promise<number> {
  await promisify(execFile)('sync');
  const started = Date.now();
  let told = 0;
  for (;;) {
    const a = await machineTicks();
    await new Promise((r) => setTimeout(r, 3000));
    const b = await machineTicks();
    const busy = (b.busy - a.busy) / Math.max(b.total - a.total, 1);
    if (busy < threshold) return busy;
    if (Date.now() - started > maxSeconds * 1000) {
      log(`  the machine stays busy (${Math.round(busy * 100)}% of all cores); measuring anyway`);
      return busy;
    }
    if (Date.now() - told > 30_000) {
      told = Date.now();
      log(`  the machine is busy with other work (${Math.round(busy * 100)}% of all cores); waiting for it to calm down`);
    }
  }
}

export interface CpuReport {
  /** CPU seconds used by the PostgreSQL backends serving the database while sampling. */
  readonly backendSeconds: number;
  /** Busy share of all cores of the machine over the interval (1 = every core busy). */
  readonly machineBusy: number;
  /**
   * What the backends were doing when sampled (every 200 ms): `CPU` (active, no wait event),
   * `Client:ClientWrite` (blocked because the client does not read fast enough),
   * `IO:DataFileRead`, `idle` (between statements, e.g. while the client works); shares sum to 1.
   */
  readonly backendStates: Readonly<Record<string, number>>;
}

/**
 * Watches the PostgreSQL backends connected to one database (pg_stat_activity; backends are
 * forked per connection, so their CPU counters start near zero) and the machine's CPU.
 */
export class CpuWatch {
  private readonly seen = new Map<number, number>();
  private readonly states = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private start: { busy: number; total: number } | undefined;
  private polling: Promise<void> = Promise.resolve();
  private client: Awaited<ReturnType<typeof openPostgres>> | undefined;

  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
  ) {}

  async begin(): Promise<void> {
    this.client = await openPostgres(withDatabase(this.serverUrl, 'postgres'));
    this.start = await machineTicks();
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll()).catch(() => undefined);
    }, 200);
  }

  private async poll(): Promise<void> {
    const rows = await this.client!.query<{ pid: number; state: string | null; wait_event_type: string | null; wait_event: string | null }>(
      "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
      [this.database],
    );
    for (const { pid, state, wait_event_type: type, wait_event: event } of rows) {
      const key = state === 'active' ? (type ? `${type}:${event}` : 'CPU') : (state ?? 'unknown');
      this.states.set(key, (this.states.get(key) ?? 0) + 1);
      const ticks = await processCpuTicks(pid);
      if (ticks !== undefined) this.seen.set(pid, Math.max(ticks, this.seen.get(pid) ?? 0));
    }
  }

  async end(): Promise<CpuReport> {
    clearInterval(this.timer);
    await this.polling;
    const stop = await machineTicks();
    await this.client?.close();
    const hz = await ticksPerSecond();
    const backendTicks = [...this.seen.values()].reduce((a, b) => a + b, 0);
    const start = this.start!;
    const samples = [...this.states.values()].reduce((a, b) => a + b, 0);
    const backendStates = Object.fromEntries(
      [...this.states].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / Math.max(samples, 1)) * 100) / 100]),
    );
    return { backendSeconds: backendTicks / hz, machineBusy: (stop.busy - start.busy) / Math.max(stop.total - start.total, 1), backendStates };
  }
}

/** Measures a piece of work together with the CPU the database spent on it. */
export async function watched<T>(serverUrl: string, database: string, work: () => Promise<T>): Promise<{ result: T; cpu: CpuReport }> {
  const watch = new CpuWatch(serverUrl, database);
  await watch.begin();
  try {
    const result = await work();
    return { result, cpu: await watch.end() };
  } catch (error) {
    await watch.end().catch(() => undefined);
    throw error;
  }
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function mb(bytes: number): number {
  return round(bytes / 1e6, 1);
}

/** Single-quotes a string for bash. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A plain text table for the reports. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Generator progress for a long run: one log line every 20 s at most. */
export function throttledProgress(label: string, log: (message: string) => void): Progress {
  let last = 0;
  return {
    update: (what, detail) => {
      if (Date.now() - last < 20_000) return;
      last = Date.now();
      log(`  ${label}: ${what} ${detail}`);
    },
    done: () => undefined,
  };
}

/** The middle item by `key` (of an even count, the lower middle). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export const median = (values: readonly number[]): number => medianBy(values, (v) => v);

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openMysql } from '../src/engine/mysql/client.js';
import { databaseName, dropDatabase, listDatabases, withDatabase } from '../src/engine/postgres/admin.js';
import type { SqlClient } from '../src/engine/types.js';
import { quoteIdent } from '../src/engine/types.js';
import { cloudTables } from '../src/platform/schema/cloud.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The local PostgreSQL server the tests use (trust auth on this machine). */
export const postgresBase = process.env['REPATRIATE_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let counter = 0;
const created: string[] = [];

/** A fresh database URL, dropped when the test process ends via cleanupDatabases(). */
export function scratchDatabase(label: string): string {
  const url = withDatabase(postgresBase, `repat_t_${label}_${process.pid}_${counter++}`);
  created.push(url);
  return url;
}

export async function cleanupDatabases(): Promise<void> {
  for (const url of created.splice(0)) {
    for (const snapshot of await listDatabases(url, `${databaseName(url)}__snap_`)) await dropDatabase(withDatabase(url, snapshot));
    await dropDatabase(url);
  }
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `repat-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** SHA-256 of every cloud table's rows in primary-key order, in COPY text. */
export async function tableChecksums(db: SqlClient): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of cloudTables) {
    const hash = createHash('sha256');
    const order = table.primaryKey.map(quoteIdent).join(', ');
    for await (const chunk of db.copyOut(`SELECT * FROM ${quoteIdent(table.name)} ORDER BY ${order}`)) hash.update(chunk);
    sums[table.name] = hash.digest('hex');
  }
  return sums;
}

/** SHA-256 over every file's relative path and content, in path order. */
export async function treeChecksum(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        hash.update(path.relative(dir, full) + '\0');
        hash.update(await readFile(full));
      }
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would, with REPATRIATE_HOME set. */
export function runCli(args: readonly string[], home: string): Promise<CliResult> {
  return runCommand(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { ...process.env, REPATRIATE_HOME: home });
}

/** Runs a program to its end and collects what it printed. */
export function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface RunningCli {
  /** The first line the command printed (serve --json prints its addresses there). */
  readonly firstLine: string;
  /** Sends SIGTERM and resolves with the exit code; rejects with stderr when the code is not 0. */
  stop(): Promise<void>;
}

/** Starts a long-running CLI command (serve) and waits for its first line of output. */
export async function startCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningCli> {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const firstLine = await Promise.race([
    new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
    exited.then((code) => Promise.reject(new Error(`${args[0]} exited with ${code} before printing: ${stderr}`))),
  ]);
  return {
    firstLine,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`${args[0]} exited with ${code}: ${stderr}`);
    },
  };
}

const mariaDatabases: string[] = [];

/** A new, empty utf8mb4 database on the local MariaDB; dropMariaDatabases() removes it and its staging twin. */
export async function emptyMariaDatabase(label: string): Promise<string> {
  const name = `repat_t_${label.replace(/\W/g, '_')}_${process.pid}_${mariaDatabases.length}`;
  const admin = await openMysql('mysql://root@127.0.0.1:3306/mysql');
  try {
    await admin.exec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.close();
  }
  mariaDatabases.push(name);
  return name;
}

export async function dropMariaDatabases(): Promise<void> {
  if (mariaDatabases.length === 0) return;
  const admin = await openMysql('mysql://root@127.0.0.1:3306/mysql');
  try {
    for (const name of mariaDatabases.splice(0)) {
      await admin.exec(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.exec(`DROP DATABASE IF EXISTS \`${name}_repatriate_staging\``);
    }
  } finally {
    await admin.close();
  }
}

import { mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { createDatabase, databaseExists, dropDatabase, listDatabases } from '../engine/postgres/admin.js';
import { openPostgres } from '../engine/postgres/client.js';
import { redactUrl } from '../engine/types.js';
import type { SqlClient } from '../engine/types.js';
import { FileStore } from './filestore.js';
import { generateCloud, type GenerationReport } from './generator/run.js';
import type { GeneratorOptions } from './generator/plan.js';
import { writeKernelStore } from './kernel/write.js';

/**
 * The reference cloud as it lives under REPATRIATE_HOME:
 *   cloud/cloud.json   where its database is and how it was generated
 *   cloud/db/          the embedded (PGlite) database, when no server was named
 *   cloud/files/       the file store, one folder per account
 *   cloud/snapshots/   nightly snapshots (see snapshot.ts)
 *   kernel/            the vendor's on-premise releases and update feed
 */
const cloudConfigSchema = z.object({
  format: z.literal(1),
  database: z.discriminatedUnion('engine', [
    z.object({ engine: z.literal('pglite'), dir: z.string() }),
    z.object({ engine: z.literal('postgres'), url: z.string() }),
  ]),
  seed: z.number().int(),
  tenants: z.number().int().positive(),
  size: z.number().int().positive(),
  createdAt: z.string(),
});

export type CloudConfig = z.infer<typeof cloudConfigSchema>;
export type DatabaseLocation = CloudConfig['database'];

export interface CloudPaths {
  readonly home: string;
  readonly cloud: string;
  readonly config: string;
  readonly files: string;
  readonly snapshots: string;
  readonly kernel: string;
}

export function cloudPaths(home: string): CloudPaths {
  const cloud = path.join(home, 'cloud');
  return {
    home,
    cloud,
    config: path.join(cloud, 'cloud.json'),
    files: path.join(cloud, 'files'),
    snapshots: path.join(cloud, 'snapshots'),
    kernel: path.join(home, 'kernel'),
  };
}

export async function readCloudConfig(home: string): Promise<CloudConfig> {
  const file = cloudPaths(home).config;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RepatriateError('REPAT_CLOUD_MISSING', `no reference cloud in ${home}`, {
      hint: 'create one with `repatriate cloud init`, or point REPATRIATE_HOME at the folder that holds it',
    });
  }
  return cloudConfigSchema.parse(JSON.parse(text));
}

export async function openDatabase(location: DatabaseLocation): Promise<SqlClient> {
  // PGlite is loaded only for an embedded cloud: a build from a server does not pay for loading it.
  return location.engine === 'pglite' ? (await import('../engine/pglite/client.js')).openPglite(location.dir) : openPostgres(location.url);
}

export interface Cloud {
  readonly config: CloudConfig;
  readonly paths: CloudPaths;
  readonly db: SqlClient;
  readonly files: FileStore;
}

export async function openCloud(home: string): Promise<Cloud> {
  const config = await readCloudConfig(home);
  const paths = cloudPaths(home);
  return { config, paths, db: await openDatabase(config.database), files: new FileStore(paths.files) };
}

/** Runs work against the cloud and always closes its database. */
export async function withCloud<T>(home: string, work: (cloud: Cloud) => Promise<T>): Promise<T> {
  const cloud = await openCloud(home);
  try {
    return await work(cloud);
  } finally {
    await cloud.db.close();
  }
}

export interface InitOptions extends GeneratorOptions {
  /** A PostgreSQL URL; the embedded database when absent. */
  readonly databaseUrl?: string;
  /** Replace an existing cloud in this home. */
  readonly force?: boolean;
}

export interface InitResult {
  readonly config: CloudConfig;
  readonly report: GenerationReport;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

export async function destroyCloud(home: string): Promise<void> {
  const paths = cloudPaths(home);
  if (await exists(paths.config)) {
    const config = await readCloudConfig(home);
    if (config.database.engine === 'postgres') {
      for (const snapshot of await listDatabases(config.database.url, `${new URL(config.database.url).pathname.slice(1)}__snap_`)) {
        const url = new URL(config.database.url);
        url.pathname = `/${snapshot}`;
        await dropDatabase(url.toString());
      }
      await dropDatabase(config.database.url);
    }
  }
  await rm(paths.cloud, { recursive: true, force: true });
  await rm(paths.kernel, { recursive: true, force: true });
}

async function prepareServerDatabase(url: string): Promise<void> {
  if (!(await databaseExists(url))) {
    await createDatabase(url);
    return;
  }
  const db = await openPostgres(url);
  try {
    const rows = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    );
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new RepatriateError('REPAT_CLOUD_EXISTS', `the database ${redactUrl(url)} already has tables`, {
        hint: 'name a new or empty database; repatriate creates it when it does not exist',
      });
    }
  } finally {
    await db.close();
  }
}

export async function initCloud(home: string, options: InitOptions, progress: Progress): Promise<InitResult> {
  const paths = cloudPaths(home);
  if (await exists(paths.config)) {
    if (!options.force) {
      throw new RepatriateError('REPAT_CLOUD_EXISTS', `a reference cloud already exists in ${home}`, {
        hint: 'pass --force to replace it, or set REPATRIATE_HOME to another folder',
      });
    }
    await destroyCloud(home);
  }
  const database: DatabaseLocation = options.databaseUrl
    ? { engine: 'postgres', url: options.databaseUrl }
    : { engine: 'pglite', dir: path.join(paths.cloud, 'db') };
  if (database.engine === 'postgres') await prepareServerDatabase(database.url);
  await mkdir(paths.files, { recursive: true });

  const db = await openDatabase(database);
  let report: GenerationReport;
  try {
    report = await generateCloud(db, new FileStore(paths.files), options, progress);
  } catch (error) {
    await db.close();
    await destroyPartial(paths, database);
    throw error;
  }
  await db.close();
  await writeKernelStore(paths.kernel);
  const config: CloudConfig = {
    format: 1,
    database,
    seed: options.seed,
    tenants: options.tenants,
    size: options.size,
    createdAt: new Date().toISOString(),
  };
  await writeFile(paths.config, JSON.stringify(config, null, 2) + '\n');
  return { config, report };
}

/** A failed generation leaves nothing that looks like a cloud. */
async function destroyPartial(paths: CloudPaths, database: DatabaseLocation): Promise<void> {
  if (database.engine === 'postgres') await dropDatabase(database.url).catch(() => undefined);
  await rm(paths.cloud, { recursive: true, force: true });
}

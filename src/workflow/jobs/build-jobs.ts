import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { contentsEntrySchema, indexName, volumeRecordSchema } from '../../archive/format.js';
import { generatedScryptLogN } from '../../archive/password.js';
import type { Encryption } from '../../archive/volume.js';
import { listFiles, prepare, type Preparation } from '../../build/build.js';
import { planBuild } from '../../build/estimate.js';
import { buildUnits, groupUnits, unitSchema } from '../../build/units.js';
import { finishArchive, writeGroupVolume, type VolumeOutcome } from '../../build/volume-build.js';
import { defaultPartBytes } from '../../build/parts.js';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { cloudPaths } from '../../platform/cloud.js';
import { referenceManifest } from '../../platform/manifest.js';
import { accountFilesDir, openSnapshot } from '../../platform/snapshot.js';
import type { SqlClient } from '../../engine/types.js';
import type { LicenseEdition } from '../../license/key.js';
import type { ArchiveService } from '../archives.js';
import { appendAudit } from '../audit.js';
import { retentionDays, type BuildRow } from '../builds.js';
import type { BuildJob, JobContext, JobQueue } from './queue.js';
import { z } from 'zod';

/** A build of a request that is building, with what the jobs need from its request and license. */
type CurrentBuild = BuildRow & { account_url: string; edition: LicenseEdition };

/**
 * What a `repatriate worker` does with each job of the build queue (B7). Every handler is
 * idempotent: it acts only on the attempt it was queued for, skips a volume already recorded,
 * and records a volume under a row lock so that of two runs of one job (a retry after an
 * expiry while the first still ran) exactly one counts. The table `build_volumes` is the
 * build's journal: a retry — of a job, or of the whole build — redoes only what is missing.
 */
export type JobOutcome = 'planned' | 'built' | 'finished' | 'skipped' | 'waiting';

const system = 'cli:desk-scheduler' as const;

const volumeRowSchema = z.object({
  record: volumeRecordSchema,
  members: z.array(contentsEntrySchema),
  tables: z.record(z.string(), z.number()),
  sizes: z.object({ rows: z.number(), files: z.number(), kernel: z.number() }),
});

export class BuildJobs {
  /** Names this process in `build_volumes.done_by`. */
  readonly worker = `${hostname()}:${process.pid}`;

  constructor(
    private readonly archives: ArchiveService,
    private readonly queue: JobQueue,
  ) {}

  private get o(): ArchiveService['o'] {
    return this.archives.o;
  }

  async handle(job: BuildJob, context: JobContext): Promise<JobOutcome> {
    const build = await this.current(job);
    if (!build) return 'skipped';
    let password: string | undefined;
    try {
      password = (await this.o.key()).open(build.password_sealed, `request:${job.requestId}`);
      const encryption: Encryption = { kind: 'passphrase', passphrase: password, scryptLogN: generatedScryptLogN };
      if (job.kind === 'plan') return await this.plan(job, build);
      if (job.kind === 'volume') return await this.volume(job, build, encryption);
      return await this.finish(job, build, encryption);
    } catch (error) {
      // The last try of a job fails the build (the desk retries it as a new attempt, from the journal); earlier ones are retried by the queue.
      if (context.retryCount >= context.retryLimit) await this.archives.failBuild(job.requestId, error, password);
      throw error;
    }
  }

  /** The build, when the request is still building in the attempt the job belongs to. */
  private async current(job: BuildJob): Promise<CurrentBuild | undefined> {
    const [row] = await this.o.store.query<CurrentBuild & { state: string }>(
      'SELECT b.*, b.night::text AS night, r.account_url, r.state, l.edition FROM builds b JOIN requests r ON r.id = b.request_id JOIN licenses l ON l.id = r.license_id WHERE b.request_id = $1',
      [job.requestId],
    );
    return row && row.state === 'building' && row.attempts === job.attempt ? row : undefined;
  }

  private async withSnapshot<T>(build: CurrentBuild, work: (db: SqlClient, prepared: Preparation, snapshot: { night: string; takenAt: string }, filesDir: string) => Promise<T>): Promise<T> {
    const snapshot = await openSnapshot(this.o.home, build.night);
    try {
      // The data of modules the license's edition lacks stays behind (M6).
      const prepared = await prepare(snapshot.db, referenceManifest(), cloudPaths(this.o.home).kernel, build.account_url, { edition: build.edition });
      return await work(snapshot.db, prepared, { night: build.night, takenAt: snapshot.meta.takenAt }, accountFilesDir(this.o.home, build.night, build.account_url));
    } finally {
      await snapshot.db.close();
    }
  }

  /** Splits the build into volume groups (once per build: a retry reuses the groups and the volumes done) and queues what is missing. */
  private async plan(job: BuildJob & { kind: 'plan' }, build: CurrentBuild): Promise<JobOutcome> {
    const existing = await this.o.store.query<{ n: string }>('SELECT count(*) AS n FROM build_volumes WHERE request_id = $1', [job.requestId]);
    if (Number(existing[0]!.n) === 0) {
      const { groups, estimated } = await this.withSnapshot(build, async (db, prepared, _snapshot, filesDir) => {
        const report = await planBuild(db, prepared, filesDir);
        const sizes: number[] = [];
        for (const f of await listFiles(filesDir)) sizes.push((await stat(path.join(filesDir, f))).size);
        return { groups: groupUnits(buildUnits(report, sizes, report.kernel.bytes, job.volumeSize), job.volumeSize), estimated: report.estimatedBytes };
      });
      await this.o.store.transaction(async (sql) => {
        for (const g of groups) {
          await sql.query('INSERT INTO build_volumes (request_id, ordinal, units, estimated_bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [job.requestId, g.ordinal, JSON.stringify(g.units), g.bytes]);
        }
        const at = this.o.clock();
        await sql.query("UPDATE builds SET stage = 'rows', bytes_done = 0, bytes_total = $2, updated_at = $3 WHERE request_id = $1", [job.requestId, estimated, at.toISOString()]);
        await appendAudit(sql, at, { actor: system, action: 'build.plan', subject: `request:${job.requestId}`, details: { attempt: job.attempt, volumes: groups.length + 1, volumeJobs: groups.length, worker: this.worker } });
      });
    }
    await this.queueMissing(job);
    return 'planned';
  }

  /** Queues a job for every volume not yet built, or the finish when none is missing. */
  private async queueMissing(job: BuildJob): Promise<void> {
    const open = await this.o.store.query<{ ordinal: number }>('SELECT ordinal FROM build_volumes WHERE request_id = $1 AND done_at IS NULL ORDER BY ordinal', [job.requestId]);
    for (const { ordinal } of open) await this.queue.send({ kind: 'volume', requestId: job.requestId, attempt: job.attempt, ordinal });
    if (open.length === 0) await this.queue.send({ kind: 'finish', requestId: job.requestId, attempt: job.attempt });
  }

  /** A private folder for one run of one job, inside the build's working folder. */
  private async privateDir(build: BuildRow, label: string): Promise<string> {
    const dir = path.join(build.out_dir, `.job-${label}-${randomUUID()}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Moves a finished file into the archive store: the local folder by rename, another store by upload. */
  private async place(build: BuildRow, dir: string, name: string): Promise<void> {
    const store = this.archives.storeOf(build.store);
    if (store.id === 'local') await rename(path.join(dir, name), path.join(build.out_dir, name));
    else await store.put(build.archive_id, name, path.join(dir, name));
  }

  private async volume(job: BuildJob & { kind: 'volume' }, build: CurrentBuild, encryption: Encryption): Promise<JobOutcome> {
    const [row] = await this.o.store.query<{ units: unknown; done_at: string | null }>('SELECT units, done_at FROM build_volumes WHERE request_id = $1 AND ordinal = $2', [job.requestId, job.ordinal]);
    if (!row) return 'skipped';
    if (row.done_at) {
      await this.finishIfComplete(job);
      return 'skipped';
    }
    const units = z.array(unitSchema).parse(row.units);
    const dir = await this.privateDir(build, `vol-${job.ordinal}`);
    try {
      const outcome = await this.withSnapshot(build, (db, prepared, snapshot, filesDir) =>
        writeGroupVolume({ db, manifest: referenceManifest(), snapshot, filesDir, dir, archiveId: build.archive_id, encryption, partBytes: defaultPartBytes }, prepared, job.ordinal, units));
      await this.o.store.transaction(async (sql) => {
        const [locked] = await sql.query<{ done_at: string | null }>('SELECT done_at FROM build_volumes WHERE request_id = $1 AND ordinal = $2 FOR UPDATE', [job.requestId, job.ordinal]);
        if (locked!.done_at) return;
        await this.place(build, dir, outcome.record.name);
        const at = this.o.clock();
        await sql.query('UPDATE build_volumes SET record = $3, members = $4, tables = $5, sizes = $6, done_at = $7, done_by = $8 WHERE request_id = $1 AND ordinal = $2', [
          job.requestId, job.ordinal, JSON.stringify(outcome.record), JSON.stringify(outcome.members), JSON.stringify(outcome.tables), JSON.stringify(outcome.sizes), at.toISOString(), this.worker,
        ]);
        await sql.query(
          "UPDATE builds SET stage = 'rows', bytes_done = (SELECT COALESCE(sum(estimated_bytes), 0) FROM build_volumes WHERE request_id = $1 AND done_at IS NOT NULL), updated_at = $2 WHERE request_id = $1",
          [job.requestId, at.toISOString()],
        );
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await this.finishIfComplete(job);
    return 'built';
  }

  private async finishIfComplete(job: BuildJob): Promise<void> {
    const [open] = await this.o.store.query<{ n: string }>('SELECT count(*) AS n FROM build_volumes WHERE request_id = $1 AND done_at IS NULL', [job.requestId]);
    if (Number(open!.n) === 0) await this.queue.send({ kind: 'finish', requestId: job.requestId, attempt: job.attempt });
  }

  /** Every volume built: the volume holding contents.json, the signed index (last), then ready and the password mail. */
  private async finish(job: BuildJob & { kind: 'finish' }, build: CurrentBuild, encryption: Encryption): Promise<JobOutcome> {
    const rows = await this.o.store.query<{ ordinal: number; record: unknown; members: unknown; tables: unknown; sizes: unknown; done_at: string | null }>(
      'SELECT ordinal, record, members, tables, sizes, done_at FROM build_volumes WHERE request_id = $1 ORDER BY ordinal', [job.requestId],
    );
    if (rows.length === 0 || rows.some((r) => !r.done_at)) return 'waiting';
    const volumes: VolumeOutcome[] = rows.map((r) => volumeRowSchema.parse(r));
    await this.o.store.transaction((sql) => sql.query("UPDATE builds SET stage = 'sealing', updated_at = $2 WHERE request_id = $1", [job.requestId, this.o.clock().toISOString()]));
    const dir = await this.privateDir(build, 'finish');
    try {
      const tables = await this.withSnapshot(build, async (_db, prepared) => prepared.plan.exports.map((e) => e.target.name));
      const index = await finishArchive({
        dir, archiveId: build.archive_id, encryption, night: build.night, signingKey: await loadOrCreateSigningKey(path.join(this.o.home, 'vendor')),
        now: this.o.clock(), retentionDays, tables,
      }, volumes);
      if (!(await this.current(job))) return 'skipped';
      // The index goes last: a reader never finds an index whose volumes are not all there.
      await this.place(build, dir, index.volumes.at(-1)!.name);
      await this.place(build, dir, indexName);
      await this.archives.markReady(job.requestId, { volumes: index.volumes.length, bytes: index.volumes.reduce((a, v) => a + v.size, 0), resumed: job.attempt > 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return 'finished';
  }
}

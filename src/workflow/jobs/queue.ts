import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { RepatriateError } from '../../core/errors.js';

/**
 * The build queue on pg-boss (B7): one queue in the desk's PostgreSQL, three kinds of job —
 * `plan` splits a build into volume groups, `volume` writes one volume, `finish` appends
 * contents.json and signs the index. A job's id is derived from what it does (request,
 * attempt, kind, volume), so sending the same job twice stores it once. A job whose worker
 * dies stays active until it expires, then pg-boss hands it to another worker.
 */
export const buildQueue = 'repatriate-builds';

export const buildJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('plan'), requestId: z.number().int(), attempt: z.number().int(), volumeSize: z.number().int().positive() }),
  z.object({ kind: z.literal('volume'), requestId: z.number().int(), attempt: z.number().int(), ordinal: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('finish'), requestId: z.number().int(), attempt: z.number().int() }),
]);
export type BuildJob = z.infer<typeof buildJobSchema>;

export interface JobSettings {
  /** How often a failed or expired job is tried again (default 3). */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** How long a job may run before it counts as lost and is retried (default 1 hour: one volume takes seconds to minutes). */
  readonly expireInSeconds: number;
  /** How often this process looks for expired jobs (default 60 s). */
  readonly maintenanceSeconds: number;
  readonly pollingSeconds: number;
}

export const defaultJobSettings: JobSettings = { retryLimit: 3, retryDelaySeconds: 10, expireInSeconds: 3600, maintenanceSeconds: 60, pollingSeconds: 2 };

/** Settings from $REPATRIATE_JOB_RETRIES, _RETRY_DELAY_SECONDS, _EXPIRE_SECONDS, _MAINTENANCE_SECONDS, _POLL_SECONDS. */
export function jobSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JobSettings {
  const read = (name: string, fallback: number, min: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new RepatriateError('REPAT_USAGE', `$${name} is "${text}", not a number of at least ${min}`, { hint: `unset it for the default (${fallback})` });
    return value;
  };
  return {
    retryLimit: read('REPATRIATE_JOB_RETRIES', defaultJobSettings.retryLimit, 0),
    retryDelaySeconds: read('REPATRIATE_JOB_RETRY_DELAY_SECONDS', defaultJobSettings.retryDelaySeconds, 0),
    expireInSeconds: read('REPATRIATE_JOB_EXPIRE_SECONDS', defaultJobSettings.expireInSeconds, 1),
    maintenanceSeconds: read('REPATRIATE_JOB_MAINTENANCE_SECONDS', defaultJobSettings.maintenanceSeconds, 1),
    pollingSeconds: read('REPATRIATE_JOB_POLL_SECONDS', defaultJobSettings.pollingSeconds, 0.5),
  };
}

/** The job's id: a UUID derived from what it does, so the same work is queued once. */
export function jobId(job: BuildJob): string {
  const key = job.kind === 'volume' ? `${job.requestId}:${job.attempt}:volume:${job.ordinal}` : `${job.requestId}:${job.attempt}:${job.kind}`;
  const h = createHash('sha256').update(`repatriate-build:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface JobContext {
  readonly id: string;
  /** 0 on the first try. */
  readonly retryCount: number;
  readonly retryLimit: number;
}

export class JobQueue {
  private constructor(
    private readonly boss: PgBoss,
    readonly settings: JobSettings,
  ) {}

  static async open(url: string, settings: JobSettings = defaultJobSettings): Promise<JobQueue> {
    const boss = new PgBoss({ connectionString: url, max: 4, maintenanceIntervalSeconds: settings.maintenanceSeconds, application_name: 'repatriate-jobs' });
    // Reported by the calls that fail; an idle pool error must not crash a worker.
    boss.on('error', () => undefined);
    try {
      await boss.start();
      if (!(await boss.getQueue(buildQueue))) {
        await boss.createQueue(buildQueue).catch(async (error: unknown) => {
          // Two processes starting at once: the other one created it.
          if (!(await boss.getQueue(buildQueue))) throw error;
        });
      }
    } catch (cause) {
      await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
      throw new RepatriateError('REPAT_JOBS', `the job queue in ${redact(url)} could not start: ${(cause as Error).message}`, {
        hint: 'DATABASE_URL must name a PostgreSQL server the desk may create the pgboss schema in',
        cause,
      });
    }
    return new JobQueue(boss, settings);
  }

  /** Queues a job; false when the same job was queued before. */
  async send(job: BuildJob): Promise<boolean> {
    const id = await this.boss.send(buildQueue, job, {
      id: jobId(job), retryLimit: this.settings.retryLimit, retryDelay: this.settings.retryDelaySeconds, expireInSeconds: this.settings.expireInSeconds,
    });
    return id !== null;
  }

  /** Takes jobs with `concurrency` at a time until stop(); a handler that throws has its job retried. */
  async work(concurrency: number, handler: (job: BuildJob, context: JobContext) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<BuildJob>(buildQueue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.settings.pollingSeconds }, async ([job]) => {
        if (!job) return;
        const parsed = buildJobSchema.parse(job.data);
        await handler(parsed, { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit });
      });
    }
  }

  /** The state of every job of a request, for tests and the operator: id, kind, state, retries. */
  async jobsOf(requestId: number): Promise<{ id: string; state: string; retryCount: number; data: BuildJob }[]> {
    const db = this.boss.getDb() as { executeSql(text: string, values?: unknown[]): Promise<{ rows: { id: string; state: string; retry_count: number; data: BuildJob }[] }> };
    const { rows } = await db.executeSql(`SELECT id, state, retry_count, data FROM pgboss.job WHERE name = $1 AND (data->>'requestId')::int = $2 ORDER BY created_on`, [buildQueue, requestId]);
    return rows.map((r) => ({ id: r.id, state: r.state, retryCount: r.retry_count, data: r.data }));
  }

  /** Stops taking jobs; with `graceful`, waits up to `timeoutMs` for the running ones to end. */
  async stop(graceful = true, timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful, wait: true, timeout: timeoutMs, close: true });
  }
}

/** A connection string without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured database';
  }
}

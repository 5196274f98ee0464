import { Command } from 'commander';
import { RepatriateError } from '../../core/errors.js';
import { positiveInt } from '../options.js';
import { print } from '../output.js';
import { openDeskFromCli, publicUrlOption, s3Options, smtpOptions, type DeskCliOptions } from './desk-common.js';

/**
 * `repatriate worker`: takes build jobs from the desk's pg-boss queue (B7) — plans, volumes,
 * finishes — on this machine, until SIGTERM or Ctrl-C; then it stops taking jobs, lets the
 * running ones end (up to 30 s) and exits 0. Any number of workers on any number of machines
 * share the queue; they need the same REPATRIATE_HOME contents the desk has (the snapshots, the
 * vendor signing key, the server key) and the same archive store.
 */
interface WorkerOptions extends DeskCliOptions {
  readonly concurrency: number;
  readonly json: boolean;
}

export function workerCommand(): Command {
  const command = new Command('worker')
    .description('take build jobs from the desk\'s queue (needs DATABASE_URL naming the desk\'s PostgreSQL): plan, volume and finish jobs of approved migrations')
    .option('--concurrency <n>', 'jobs at a time on this machine', positiveInt, 1)
    .option('--json', 'print one JSON line when ready and one per job', false)
    .addOption(publicUrlOption());
  for (const option of [...smtpOptions(), ...s3Options()]) command.addOption(option);
  return command.action(async (opts: WorkerOptions) => {
    if (!process.env['DATABASE_URL']) {
      throw new RepatriateError('REPAT_JOBS', 'a worker needs the desk\'s PostgreSQL: DATABASE_URL is not set', { hint: 'set DATABASE_URL to the desk\'s database (the embedded desk builds in its own process and needs no workers)' });
    }
    if (process.env['REPATRIATE_JOBS'] === 'in-process') {
      throw new RepatriateError('REPAT_JOBS', '$REPATRIATE_JOBS=in-process: this desk builds in its own process, so there is no queue to work on', { hint: 'unset REPATRIATE_JOBS' });
    }
    const desk = await openDeskFromCli(opts);
    try {
      await desk.work(opts.concurrency, (job, context, outcome, ms) => {
        const failed = outcome instanceof Error;
        const reason = failed ? (outcome instanceof RepatriateError ? `${outcome.code}: ${outcome.message}` : outcome.message) : undefined;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ job: context.id, ...job, retry: context.retryCount, outcome: failed ? 'failed' : outcome, ms, ...(reason ? { reason } : {}) }) + '\n');
        } else {
          print(`${job.kind} job of request ${job.requestId}${job.kind === 'volume' ? ` (volume ${job.ordinal})` : ''}, attempt ${job.attempt}${context.retryCount ? `, retry ${context.retryCount}` : ''}: ${failed ? `failed: ${reason}` : outcome} in ${ms} ms`);
        }
      });
      if (opts.json) process.stdout.write(JSON.stringify({ worker: `${process.pid}`, concurrency: opts.concurrency, archives: desk.archives.archiveStore.id }) + '\n');
      else print(`worker ${process.pid} taking build jobs, ${opts.concurrency} at a time (archives: ${desk.archives.archiveStore.id}); stop with Ctrl-C or SIGTERM`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    } finally {
      await desk.close();
    }
  });
}

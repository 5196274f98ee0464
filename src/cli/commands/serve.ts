import { Command, Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import { usageError } from '../../core/errors.js';
import { loadOrCreateAdminToken } from '../../postmigrate/admin-token.js';
import { buildDeskApp } from '../../server/desk/app.js';
import { buildAcmeHttpApp } from '../../server/onprem/acme-http.js';
import { buildOnpremApp } from '../../server/onprem/app.js';
import { positiveInt } from '../options.js';
import { print } from '../output.js';
import type { Desk } from '../../workflow/desk.js';
import { openDeskFromCli, priceOption, publicUrlOption, s3Options, smtpOptions } from './desk-common.js';

/** The in-process scheduler: one tick at a time; a failed tick is reported and the next one tries again. */
function startScheduler(desk: Desk, seconds: number): { stop(): Promise<void> } {
  if (seconds === 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= desk.archives.tick().then(
      (r) => {
        if (r.frozen.length + r.ready.length + r.failed.length + r.purged.length > 0) process.stderr.write(JSON.stringify({ tick: r }) + '\n');
      },
      (error: unknown) => {
        process.stderr.write(`desk tick failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    ).finally(() => (running = undefined));
  }, seconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

interface ServeOptions {
  port?: number;
  host: string;
  insecureCookies: boolean;
  json: boolean;
  smtp?: string;
  smtpFrom?: string;
  price?: number;
  onprem: boolean;
  db?: string;
  dataDir?: string;
  tls: boolean;
  httpPort?: number;
  tickSeconds: number;
  publicUrl?: string;
  s3Bucket?: string;
  s3Endpoint?: string;
  s3Prefix?: string;
}

const portOption = (flags: string, description: string): Option => new Option(flags, description).argParser((v) => (v === '0' ? 0 : positiveInt(v)));

/**
 * `repatriate serve`: the vendor desk's HTTP API, or with --onprem the on-premise assistant of
 * a restored installation (HTTPS with its certificate, and optionally port 80 for ACME), until
 * stopped with Ctrl-C or SIGTERM.
 */
export function serveCommand(): Command {
  const command = new Command('serve')
    .description('serve the vendor desk API (license check, assessments, requests, operator queue, orders, audit; OpenAPI at /api/openapi.json), or with --onprem the on-premise assistant of a restored installation')
    .addOption(portOption('--port <n>', 'TCP port (0 picks a free one; default 8080, with --onprem 8443)'))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--json', 'print the listening address(es) as one JSON line', false)
    .option('--insecure-cookies', 'desk: send the session cookie without the Secure flag (plain-HTTP development only)', false)
    .option('--onprem', 'serve the on-premise assistant of the installation named by --db and --data-dir instead of the desk', false)
    .option('--db <url-or-folder>', 'with --onprem: the restored database (postgres://…, mysql://…, or the embedded folder)')
    .option('--data-dir <dir>', 'with --onprem: the restored data directory')
    .option('--no-tls', 'with --onprem: plain HTTP instead of HTTPS with the installation\'s certificate (behind a TLS proxy)')
    .addOption(portOption('--http-port <n>', 'with --onprem: also listen on this plain-HTTP port for Let\'s Encrypt challenges (80 in production); other paths redirect to HTTPS'));
  command.addOption(new Option('--tick-seconds <n>', 'desk: check every n seconds for final dates, builds to retry and archives to purge (0: never; use `desk tick`)').argParser((v) => (v === '0' ? 0 : positiveInt(v))).default(60));
  for (const option of [...smtpOptions(), priceOption(), publicUrlOption(), ...s3Options()]) command.addOption(option);
  return command.action(async (opts: ServeOptions) => {
    const apps: FastifyInstance[] = [];
    let closeRest = async (): Promise<void> => undefined;
    try {
      if (opts.onprem) {
        if (!opts.db || !opts.dataDir) throw usageError('serve --onprem needs --db and --data-dir', 'name the restored database and data directory, as for `repatriate onprem status`');
        const admin = await loadOrCreateAdminToken(opts.dataDir);
        const app = await buildOnpremApp({ db: opts.db, dataDir: opts.dataDir, adminToken: admin.token, tls: opts.tls });
        apps.push(app);
        const url = await app.listen({ port: opts.port ?? 8443, host: opts.host });
        let acmeUrl: string | undefined;
        if (opts.httpPort !== undefined) {
          const acme = buildAcmeHttpApp(opts.dataDir, Number(new URL(url).port));
          apps.push(acme);
          acmeUrl = await acme.listen({ port: opts.httpPort, host: opts.host });
        }
        if (opts.json) process.stdout.write(JSON.stringify({ url, acmeUrl: acmeUrl ?? null, adminToken: admin.source }) + '\n');
        else {
          print(`on-premise assistant listening on ${url}${opts.tls ? ' (HTTPS with the installation\'s certificate)' : ''}`);
          if (acmeUrl) print(`ACME HTTP-01 answers and redirects to HTTPS on ${acmeUrl}`);
          print(`web UI: ${url}/`);
          print(`administrator token: ${admin.source} (send it as "Authorization: Bearer …"); OpenAPI: ${url}/api/onprem/openapi.json`);
        }
      } else {
        const desk = await openDeskFromCli(opts);
        const scheduler = startScheduler(desk, opts.tickSeconds);
        closeRest = async () => {
          await scheduler.stop();
          await desk.close();
        };
        await desk.cloud.open();
        const app = await buildDeskApp({ desk, secureCookies: !opts.insecureCookies });
        apps.push(app);
        const address = await app.listen({ port: opts.port ?? 8080, host: opts.host });
        if (opts.json) process.stdout.write(JSON.stringify({ url: address, store: desk.store.location.engine, archives: desk.archives.archiveStore.id, builds: desk.usesJobs ? 'pg-boss' : 'in-process', mail: desk.mailConfigured ? 'smtp' : 'recorded only', priceCents: desk.priceCents }) + '\n');
        else {
          print(`vendor desk listening on ${address} (store: ${desk.store.location.engine}; archives: ${desk.archives.archiveStore.id}; builds: ${desk.usesJobs ? 'queued for `repatriate worker`' : 'in this process'}; notifications: ${desk.mailConfigured ? 'sent by SMTP' : 'recorded, not sent (no SMTP configured)'})`);
          print(`web UI: ${address}/ (customer portal #/portal, operator desk #/operator); OpenAPI document: ${address}/api/openapi.json`);
        }
      }
    } catch (error) {
      // Whatever already listens must not keep the process alive after a failed start.
      for (const app of apps.reverse()) await app.close();
      await closeRest();
      throw error;
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    for (const app of apps.reverse()) await app.close();
    await closeRest();
  });
}

import { Command, Option } from 'commander';
import { positiveInt } from '../options.js';
import { print } from '../output.js';
import { buildDeskApp } from '../../server/desk/app.js';
import { openDeskFromCli, priceOption, smtpOptions } from './desk-common.js';

/** `repatriate serve`: the vendor desk's HTTP API (and its OpenAPI document) until stopped. */
export function serveCommand(): Command {
  const command = new Command('serve')
    .description('serve the vendor desk API: license check, assessments, requests, operator queue, orders, audit (OpenAPI at /api/openapi.json)')
    .addOption(new Option('--port <n>', 'TCP port (0 picks a free one)').argParser((v) => (v === '0' ? 0 : positiveInt(v))).default(8080))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--insecure-cookies', 'send the session cookie without the Secure flag (plain-HTTP development only)', false)
    .option('--json', 'print the listening address as one JSON line', false);
  for (const option of [...smtpOptions(), priceOption()]) command.addOption(option);
  return command.action(async (opts: { port: number; host: string; insecureCookies: boolean; json: boolean; smtp?: string; smtpFrom?: string; price?: number }) => {
    const desk = await openDeskFromCli(opts);
    await desk.cloud.open();
    const app = await buildDeskApp({ desk, secureCookies: !opts.insecureCookies });
    const address = await app.listen({ port: opts.port, host: opts.host });
    if (opts.json) process.stdout.write(JSON.stringify({ url: address, store: desk.store.location.engine, mail: desk.mailConfigured ? 'smtp' : 'recorded only', priceCents: desk.priceCents }) + '\n');
    else {
      print(`vendor desk listening on ${address} (store: ${desk.store.location.engine}; notifications: ${desk.mailConfigured ? 'sent by SMTP' : 'recorded, not sent (no SMTP configured)'})`);
      print(`OpenAPI document: ${address}/api/openapi.json`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await app.close();
    await desk.close();
  });
}

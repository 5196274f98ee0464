import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { downloadArchive } from '../../archive/download.js';
import { RepatriateError, usageError } from '../../core/errors.js';
import { repatriateHome } from '../../core/home.js';
import { formatBytes } from '../../core/size.js';
import { accountAddress, positiveInt } from '../options.js';
import { print, printJson } from '../output.js';
import { trustedVendorKeys } from '../trusted-keys.js';

/**
 * `repatriate download`: the customer fetches the archive of a ready request from the vendor
 * desk — parallel ranges, every 64 MiB chunk checked against the signed index, resumable.
 */
interface DownloadCliOptions {
  desk: string;
  out: string;
  tokenFile?: string;
  account?: string;
  login?: string;
  passwordFile?: string;
  parallel: number;
  json: boolean;
}

async function firstLine(file: string, what: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw usageError(`cannot read the ${what} file ${file}`, `give a file whose first line is the ${what}`);
  });
  const line = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (!line) throw usageError(`the ${what} file ${file} is empty`, `write the ${what} on its first line`);
  return line;
}

async function sessionToken(desk: string, opts: DownloadCliOptions): Promise<string> {
  if (opts.tokenFile) return firstLine(opts.tokenFile, 'session token');
  if (!opts.account || !opts.login || !opts.passwordFile) {
    throw usageError('download needs a session: --token-file, or --account, --login and --password-file to sign in', 'sign in with the cloud administrator login of the account');
  }
  let response: Response;
  try {
    response = await fetch(`${desk}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountUrl: opts.account, login: opts.login, password: await firstLine(opts.passwordFile, 'password') }) });
  } catch (cause) {
    throw new RepatriateError('REPAT_DOWNLOAD_FAILED', `the desk at ${desk} does not answer`, { hint: 'check --desk and the network', cause });
  }
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string; hint?: string } };
  if (!response.ok || !body.token) throw new RepatriateError('REPAT_DESK_AUTH', `sign-in refused: ${body.error?.message ?? `HTTP ${response.status}`}`, { hint: body.error?.hint ?? 'check the account, login and password' });
  return body.token;
}

export function downloadCommand(): Command {
  return new Command('download')
    .description('download the archive of a ready migration request from the vendor desk: parallel ranges, each 64 MiB chunk checked against the signed index, resumes where it stopped (M12)')
    .argument('<request>', 'the request number', positiveInt)
    .requiredOption('--desk <url>', 'the vendor desk, e.g. https://desk.vendor.example')
    .requiredOption('--out <dir>', 'the archive folder (created; run again with the same folder to resume)')
    .option('--token-file <file>', 'a session token from signing in, on the first line')
    .option('--account <url>', 'sign in: the cloud account address', accountAddress)
    .option('--login <login>', 'sign in: the cloud administrator login')
    .option('--password-file <file>', 'sign in: the cloud administrator password, on the first line')
    .addOption(new Option('--parallel <n>', 'ranges fetched at once').argParser(positiveInt).default(4))
    .option('--json', 'print the result as JSON', false)
    .action(async (request: number, opts: DownloadCliOptions) => {
      const desk = opts.desk.replace(/\/+$/, '');
      const token = await sessionToken(desk, opts);
      const out = path.resolve(opts.out);
      const report = await downloadArchive({ deskUrl: desk, requestId: request, token, out, trusted: await trustedVendorKeys(repatriateHome()), parallel: opts.parallel });
      // Tell the desk the archive arrived whole (ready → downloaded); the archive is fine either way.
      const receipt = await fetch(`${desk}/api/requests/${request}/archive/receipt`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }).then((r) => r.ok, () => false);
      if (opts.json) return printJson({ ...report, receipt });
      print(`archive ${report.archiveId}: ${report.volumes} volume(s), ${formatBytes(report.bytes)} in ${out}; every chunk matches the signed index`);
      print(`fetched ${formatBytes(report.fetchedBytes)}${report.keptChunks ? `, kept ${report.keptChunks} chunk(s) verified earlier` : ''}${report.refetchedChunks ? `, fetched ${report.refetchedChunks} altered chunk(s) again` : ''}${report.resumedConnections ? `, continued ${report.resumedConnections} broken connection(s)` : ''}`);
      print('the password comes separately (the e-mail link or the portal); then: repatriate restore');
    });
}

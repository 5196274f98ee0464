import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { RepatriateError } from '../../core/errors.js';
import { terminalProgress } from '../../core/progress.js';
import { requestAcmeCertificate } from '../../postmigrate/acme.js';
import { setPublicAddress } from '../../postmigrate/address.js';
import { listApps } from '../../postmigrate/apps.js';
import { listChannels, markReconnected } from '../../postmigrate/channels.js';
import { checklist, taskStatus } from '../../postmigrate/checklist.js';
import { openInstallation, type Installation } from '../../postmigrate/installation.js';
import { configureSmtp, installationMailer, sendTestMail } from '../../postmigrate/mail.js';
import { sendResetLinks, setPassword } from '../../postmigrate/passwords.js';
import { configurePush } from '../../postmigrate/push.js';
import { rebuildSearchIndex, search } from '../../postmigrate/search.js';
import { listSites, publishSites, recordCloudMove } from '../../postmigrate/sites.js';
import { isTaskId, taskIds, type TaskStatus } from '../../postmigrate/tasks.js';
import { fileTelephonyRequest } from '../../postmigrate/telephony.js';
import { installCertificate, type TlsTrust } from '../../postmigrate/tls.js';
import { applyUpdates } from '../../postmigrate/updates.js';
import { runWizard } from '../../postmigrate/wizard.js';
import { publicAddress } from '../../postmigrate/address.js';
import { buildOnpremApp } from '../../server/onprem/app.js';
import { formatTable, print, printJson } from '../output.js';
import { positiveInt } from '../options.js';

/**
 * `repatriate onprem status|P1…P11|R5 …`: the on-premise assistant after a restore. Every
 * subcommand opens the installation (--db, --data-dir), does one thing, and closes it.
 */
interface Common {
  readonly db: string;
  readonly dataDir: string;
  readonly json: boolean;
  readonly trustCa?: string;
}

function common(command: Command): Command {
  return command
    .requiredOption('--db <target>', 'the restored database: postgres://…, mysql://…, or the embedded database folder')
    .requiredOption('--data-dir <dir>', 'the restored installation folder')
    .option('--trust-ca <file>', 'also trust this CA (PEM) when judging certificates, e.g. a company CA')
    .option('--json', 'print the result as JSON', false);
}

async function trustOf(opts: Common): Promise<TlsTrust | undefined> {
  if (!opts.trustCa) return undefined;
  return { extraRoots: [await readText(opts.trustCa, 'the CA file')] };
}

async function readText(file: string, what: string): Promise<string> {
  return readFile(file, 'utf8').catch((cause: unknown) => {
    throw new RepatriateError('REPAT_USAGE', `cannot read ${what} ${file}`, { hint: 'give a readable file', cause });
  });
}

async function readPassword(file: string): Promise<string> {
  return (await readText(file, 'the password file')).split(/\r?\n/)[0] ?? '';
}

async function withInstallation<T>(opts: Common, work: (inst: Installation) => Promise<T>): Promise<T> {
  const inst = await openInstallation({ db: opts.db, dataDir: opts.dataDir });
  try {
    return await work(inst);
  } finally {
    await inst.db.close();
  }
}

/** Runs an action and prints its result: JSON as is, or a human summary. */
function act<O extends Common>(work: (inst: Installation, opts: O) => Promise<{ json: unknown; lines: string[] }>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const opts = command.optsWithGlobals() as O;
    const result = await withInstallation(opts, (inst) => work(inst, opts));
    if (opts.json) printJson(result.json);
    else for (const line of result.lines) print(line);
  };
}

/**
 * The demo's last act: the checklist of a fresh installation, then P1 end to end — a reset link
 * (printed instead of mailed: the demo has no SMTP server), the new password, a sign-in through
 * the installation's own API.
 */
export async function assistantDemo(db: string, dataDir: string): Promise<void> {
  const address = 'https://intranet.acme.example';
  let inst = await openInstallation({ db, dataDir });
  const outbox: { to: string; text: string }[] = [];
  let admin: string;
  try {
    for (const line of statusLines((await checklist(inst)).tasks)) print(line);
    await setPublicAddress(inst, { to: address });
    const demoMailer = { verify: async () => undefined, send: async (mail: { to: string; text: string }) => { outbox.push(mail); return { messageId: `demo-${outbox.length}` }; }, close: () => undefined };
    const report = await sendResetLinks(inst, { mailer: demoMailer, linkBase: address });
    admin = report.sent[0]!.login;
    print(`\nP5: imconnector, imopenlines and imbot now call back ${address}`);
    print(`P1: ${report.sent.length} reset links written (the demo prints the first instead of mailing it):`);
    print(`  to ${outbox[0]!.to}: ${/https:\S+token=\S+/.exec(outbox[0]!.text)![0]}`);
  } finally {
    await inst.db.close();
  }
  const token = /token=([A-Za-z0-9_-]+)/.exec(outbox[0]!.text)![1]!;
  const app = await buildOnpremApp({ db, dataDir, adminToken: randomBytes(24).toString('base64url') });
  try {
    const reset = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token, password: 'demo password 2026' } });
    const signIn = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: admin, password: 'demo password 2026' } });
    print(`  ${admin} sets a new password through the link: HTTP ${reset.statusCode}; signs in: HTTP ${signIn.statusCode}`);
    const again = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token, password: 'second try 2026' } });
    print(`  the same link a second time: HTTP ${again.statusCode} (${again.json<{ error: { message: string } }>().error.message})`);
  } finally {
    await app.close();
  }
  inst = await openInstallation({ db, dataDir });
  try {
    const list = await checklist(inst);
    print('');
    for (const line of statusLines(list.tasks.filter((t) => t.id === 'P1' || t.id === 'P5'))) print(line);
    print(`${list.done} of ${list.tasks.length} tasks done; the rest: \`npx repatriate onprem status --db ${db} --data-dir ${dataDir}\``);
  } finally {
    await inst.db.close();
  }
}

function statusLines(tasks: readonly TaskStatus[]): string[] {
  return [formatTable(['task', 'state', 'why'], tasks.map((t) => [t.id, t.state, t.why]))];
}

export function onpremCommand(): Command {
  const onprem = new Command('onprem')
    .description('the on-premise assistant after a restore: every task P1–P11 and R5 checks itself and can be done from here')
    .argument('[task]', 'a task id (P1…P11, R5) or status')
    // Options of the subcommands reach here when the task is unknown: the error names the task, not an option.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', `\nTasks: ${taskIds.join(', ')}. Start with \`repatriate onprem status --db … --data-dir …\`; \`repatriate onprem <task> --help\` shows what each can do.`)
    .action((task: string | undefined) => {
      if (task === undefined) {
        onprem.outputHelp();
        return;
      }
      throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `there is no post-migration task "${task}"`, { hint: `the tasks are ${taskIds.join(', ')}; \`repatriate onprem status\` shows their states` });
    });

  onprem.addCommand(
    common(new Command('status').description('every task by its ID with its state (todo, done, blocked) and why'))
      .action(act(async (inst, opts) => {
        const trust = await trustOf(opts);
        const list = await checklist(inst, trust ? { trust } : {});
        const lines = [`installation of ${list.installation.account} (${list.installation.database}, ${list.installation.dataDir})`, ...statusLines(list.tasks), `${list.done} of ${list.tasks.length} tasks done`];
        return { json: list, lines };
      })),
  );

  const task = (id: string, description: string): Command => {
    const command = new Command(id).description(description).alias(id.toLowerCase());
    command.addCommand(
      common(new Command('status').description(`the state of ${id}`)).action(act(async (inst, opts) => {
        if (!isTaskId(id)) throw new Error(id);
        const trust = await trustOf(opts);
        const s = await taskStatus(inst, id, trust ? { trust } : {});
        return { json: s, lines: statusLines([s]) };
      })),
    );
    onprem.addCommand(command);
    return command;
  };

  const p1 = task('P1', 'passwords: reset links by mail, or set one by hand');
  p1.addCommand(
    common(new Command('send').description('mail a single-use, expiring reset link to every active user without a password (through the P9 SMTP server)'))
      .option('--link-base <url>', 'the installation address the links point to (default: the P5 public address)')
      .option('--hours <n>', 'how long a link works', positiveInt, 48)
      .option('--login <login...>', 'only these users (also those who have a password)')
      .action(act<Common & { linkBase?: string; hours: number; login?: string[] }>(async (inst, opts) => {
        const linkBase = opts.linkBase ?? (await publicAddress(inst));
        if (!linkBase) throw new RepatriateError('REPAT_ONPREM_BLOCKED', 'the reset links need the installation\'s public address', { hint: 'set it first (`onprem P5 set --to https://…`) or give --link-base' });
        const mailer = await installationMailer(inst);
        try {
          const report = await sendResetLinks(inst, { mailer, linkBase, hours: opts.hours, ...(opts.login ? { logins: opts.login } : {}) });
          return { json: report, lines: [`sent ${report.sent.length} reset links (valid until ${report.expiresAt})`, ...report.skipped.map((s) => `  skipped ${s.login}: ${s.reason}`)] };
        } finally {
          mailer.close();
        }
      })),
  );
  p1.addCommand(
    common(new Command('set-password').description("set a user's password by hand (the password is read from a file, never from the command line)"))
      .requiredOption('--login <login>', 'the user')
      .requiredOption('--password-file <file>', 'a file whose first line is the new password')
      .action(act<Common & { login: string; passwordFile: string }>(async (inst, opts) => {
        const result = await setPassword(inst, opts.login, await readPassword(opts.passwordFile));
        return { json: { login: opts.login, ...result }, lines: [`password of ${opts.login} set`] };
      })),
  );

  task('P2', 'intranet wizard: repair administrators and access groups').addCommand(
    common(new Command('repair').description('repair what the check found; a second run changes nothing'))
      .option('--admin <login>', 'make this user administrator (default: the account owner when no administrator is left)')
      .action(act<Common & { admin?: string }>(async (inst, opts) => {
        const report = await runWizard(inst, opts.admin ? { adminLogin: opts.admin } : {});
        return { json: report, lines: [report.repaired.length === 0 ? 'nothing to repair' : `repaired: ${report.repaired.join('; ')}`, `administrators: ${report.administrators.map((a) => a.login).join(', ')}`] };
      })),
  );

  task('P3', 'search index: rebuild it from the restored content').addCommand(
    common(new Command('rebuild').description('rebuild the search tables (progress on stderr)')).action(act(async (inst, opts) => {
      const progress = terminalProgress();
      const result = await rebuildSearchIndex(inst, (event) => {
        if (opts.json) process.stderr.write(JSON.stringify(event) + '\n');
        else progress.update(`indexing ${event.source}`, `${event.documents}/${event.total}`);
      });
      progress.done('search index', `${result.documents} documents, ${result.stems} words`);
      return { json: result, lines: [`search index rebuilt: ${result.documents} documents, ${result.stems} words`] };
    })),
  );
  onprem.addCommand(
    common(new Command('search').description('search the installation (P3), e.g. for a deal or company by its words'))
      .argument('<query>', 'words that must all occur')
      .option('--limit <n>', 'at most this many hits', positiveInt, 20)
      .action(async (query: string, opts: Common & { limit: number }) => {
        const hits = await withInstallation(opts, (inst) => search(inst, query, opts.limit));
        if (opts.json) return printJson({ query, hits });
        print(hits.length === 0 ? `nothing found for "${query}"` : formatTable(['module', 'item', 'title', 'url'], hits.map((h) => [h.module, h.itemId, h.title, h.url])));
      }),
  );

  task('P4', 'updates: apply pending module updates from the kernel update feed').addCommand(
    common(new Command('apply').description('apply every pending update in feed order; safe to repeat')).action(act(async (inst) => {
      const report = await applyUpdates(inst);
      const changed = Object.keys(report.after).filter((m) => report.before[m] !== report.after[m]);
      return {
        json: report,
        lines: report.applied.length === 0 ? ['no pending updates'] : [formatTable(['module', 'before', 'after'], changed.map((m) => [m, report.before[m]!, report.after[m]!]))],
      };
    })),
  );

  task('P5', 'public address in imconnector, imopenlines and imbot').addCommand(
    common(new Command('set').description('replace the cloud address by the installation\'s, show before → after, list other places holding it'))
      .requiredOption('--to <url>', 'the installation\'s public address, e.g. https://intranet.example.com')
      .option('--from <url>', 'the address to replace (default: the one the installation holds)')
      .action(act<Common & { to: string; from?: string }>(async (inst, opts) => {
        const report = await setPublicAddress(inst, { to: opts.to, ...(opts.from ? { from: opts.from } : {}) });
        return {
          json: report,
          lines: [
            ...report.changes.map((c) => `${c.module}.${c.name}: ${c.before} → ${c.after}`),
            ...(report.remaining.length > 0 ? [`still naming ${new URL(report.oldAddress).host}:`, ...report.remaining.map((p) => `  ${p.table}.${p.column}: ${p.rows} rows (e.g. ${p.examples.join(', ')})`)] : []),
          ],
        };
      })),
  );

  const p6 = task('P6', 'external channels to reconnect');
  p6.addCommand(common(new Command('list').description('the channels the account had, with reconnect status')).action(act(async (inst) => {
    const channels = await listChannels(inst);
    return { json: { channels }, lines: [formatTable(['id', 'connector', 'line', 'name', 'reconnected'], channels.map((c) => [c.id, c.connector, c.lineId, c.name ?? '', c.reconnectedAt ?? 'no']))] };
  })));
  p6.addCommand(
    common(new Command('reconnected').description('record that you reconnected these channels'))
      .argument('<ids...>', 'channel ids from the list')
      .action(async (ids: string[], _opts: Common, command: Command) => {
        const numbers = ids.map((id) => {
          if (!/^\d+$/.test(id)) throw new RepatriateError('REPAT_USAGE', `"${id}" is not a channel id`, { hint: '`onprem P6 list` shows the ids' });
          return Number(id);
        });
        await act(async (inst) => {
          const channels = await markReconnected(inst, numbers);
          return { json: { channels }, lines: [`${channels.filter((c) => c.reconnectedAt).length} of ${channels.length} channels reconnected`] };
        })(command);
      }),
  );

  task('P7', 'push & pull server').addCommand(
    common(new Command('set').description('set the push server address and check that it answers'))
      .requiredOption('--server <url>', 'your push server, e.g. https://push.intranet.example.com')
      .action(act<Common & { server: string }>(async (inst, opts) => {
        const result = await configurePush(inst, opts.server);
        return { json: result, lines: [`push server ${result.server} answered (HTTP ${result.httpStatus}); the pull module now uses it`] };
      })),
  );

  const p8 = task('P8', 'sites, stores and forms to republish');
  p8.addCommand(common(new Command('list').description('the sites, stores and web forms')).action(act(async (inst) => {
    const { sites, forms } = await listSites(inst);
    return { json: { sites, forms }, lines: [formatTable(['id', 'type', 'domain', 'title', 'pages'], sites.map((s) => [s.id, s.type, s.domain, s.title, s.pages])), `${forms.length} web forms`] };
  })));
  p8.addCommand(
    common(new Command('moved').description('record that the vendor moved the cloud copies to another subdomain (required before publishing)'))
      .requiredOption('--to <domain>', 'where the cloud copies answer now')
      .action(act<Common & { to: string }>(async (inst, opts) => {
        const result = await recordCloudMove(inst, opts.to);
        return { json: result, lines: [`recorded: the cloud copies moved to ${result.movedTo}`] };
      })),
  );
  p8.addCommand(
    common(new Command('publish').description('bind every site to your domain, rewrite its links, publish its pages'))
      .requiredOption('--domain <domain>', 'the installation\'s domain for sites, e.g. intranet.example.com')
      .action(act<Common & { domain: string }>(async (inst, opts) => {
        const report = await publishSites(inst, opts.domain);
        return { json: report, lines: [...report.sites.map((s) => `site ${s.id}: ${s.before} → ${s.after}`), `${report.rewrittenBlocks} blocks rewritten, ${report.publishedPages} pages published`] };
      })),
  );

  const p9 = task('P9', 'outgoing mail through your own SMTP server');
  p9.addCommand(
    common(new Command('configure').description('connect to your SMTP server once and save it'))
      .requiredOption('--smtp <url>', 'smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465')
      .requiredOption('--from <email>', 'the sender address')
      .option('--ca <file>', 'a CA or self-signed certificate (PEM) your SMTP server uses')
      .option('--require-tls', 'refuse to send without TLS', false)
      .action(act<Common & { smtp: string; from: string; ca?: string; requireTls: boolean }>(async (inst, opts) => {
        const result = await configureSmtp(inst, { url: opts.smtp, from: opts.from, requireTls: opts.requireTls, ...(opts.ca ? { trustedCa: await readText(opts.ca, 'the CA file') } : {}) });
        return { json: result, lines: [`outgoing mail now goes through ${result.server}`] };
      })),
  );
  p9.addCommand(
    common(new Command('test').description('send a test mail through the saved SMTP server'))
      .requiredOption('--to <email>', 'who receives it')
      .action(act<Common & { to: string }>(async (inst, opts) => {
        const result = await sendTestMail(inst, opts.to);
        return { json: result, lines: [`test mail to ${opts.to} accepted by ${result.server}`] };
      })),
  );

  const r5 = task('R5', 'TLS certificate: self-signed at first, then yours or Let\'s Encrypt');
  r5.addCommand(
    common(new Command('install').description('install your certificate and key after checking key, chain, expiry and host name'))
      .requiredOption('--cert <file>', 'the certificate (PEM; may include the chain)')
      .requiredOption('--key <file>', 'its private key (PEM)')
      .option('--chain <file>', 'intermediate certificates (PEM)')
      .action(act<Common & { cert: string; key: string; chain?: string }>(async (inst, opts) => {
        const trust = await trustOf(opts);
        const check = await installCertificate(inst, {
          cert: await readText(opts.cert, 'the certificate'),
          key: await readText(opts.key, 'the key'),
          ...(opts.chain ? { chain: await readText(opts.chain, 'the chain') } : {}),
          ...(trust ? { trust } : {}),
        });
        return { json: check, lines: [`installed the certificate for ${check.host} (${check.issuer}), trusted until ${check.validTo}`] };
      })),
  );
  r5.addCommand(
    common(new Command('letsencrypt').description("order a certificate from Let's Encrypt (HTTP-01, answered by `repatriate serve --onprem` on port 80)"))
      .requiredOption('--email <email>', 'the contact address for the ACME account')
      .addOption(new Option('--directory <url>', 'the ACME directory').default('https://acme-v02.api.letsencrypt.org/directory'))
      .action(act<Common & { email: string; directory: string }>(async (inst, opts) => {
        const check = await requestAcmeCertificate(inst, { email: opts.email, directoryUrl: opts.directory });
        return { json: check, lines: [`installed the certificate for ${check.host} from ${opts.directory}`] };
      })),
  );

  task('P10', 'telephony transfer request (after a trusted certificate)').addCommand(
    common(new Command('request').description('file the signed transfer request with the vendor desk, or write it to a file when the desk is unreachable'))
      .requiredOption('--desk <url>', 'the vendor desk, e.g. https://desk.vendor.example')
      .option('--license <key>', 'your license key (default: bitrix/license_key.php)')
      .action(act<Common & { desk: string; license?: string }>(async (inst, opts) => {
        const trust = await trustOf(opts);
        const outcome = await fileTelephonyRequest(inst, { deskUrl: opts.desk, ...(opts.license ? { licenseKey: opts.license } : {}), ...(trust ? { trust } : {}) });
        const json = { delivery: outcome.delivery, id: outcome.id, file: outcome.file, reason: outcome.reason, request: { ...outcome.signed.request, licenseKey: undefined } };
        return { json, lines: [outcome.delivery === 'desk' ? `request ${outcome.id} received by the desk` : `the desk was unreachable (${outcome.reason}); the signed request is in ${outcome.file}: send it to the vendor`] };
      })),
  );

  task('P11', 'marketplace apps to reinstall').addCommand(common(new Command('list').description('the apps the cloud account had, with reinstall status')).action(act(async (inst) => {
    const result = await listApps(inst);
    return { json: result, lines: [`${result.apps.filter((a) => a.reinstalled).length} of ${result.had} apps reinstalled`, ...result.apps.map((a, i) => `  ${a.name ?? `app ${i + 1}`}${a.code ? ` (${a.code})` : ''}: ${a.reinstalled ? 'reinstalled' : 'to reinstall'}`)] };
  })));

  return onprem;
}

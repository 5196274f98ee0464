import { Command, InvalidArgumentError, Option } from 'commander';
import { errorCodes, usageError } from '../../core/errors.js';
import { requestStates, type RequestState } from '../../workflow/states.js';
import type { BuildStatus, Desk, MigrationRequest, Principal } from '../../workflow/desk.js';
import { formatTable, print, printJson } from '../output.js';
import { accountAddress, nightOption, positiveInt } from '../options.js';
import { formatPrice } from '../../workflow/orders.js';
import { priceOption, publicUrlOption, s3Options, smtpOptions, withDesk, type DeskCliOptions } from './desk-common.js';
import { printAssessment } from './assess.js';
import { runDeskDemo } from './desk-demo.js';
import { repatriateHome } from '../../core/home.js';

/**
 * `repatriate desk …`: the operator's side of the desk on the vendor's machine — the same
 * use cases as the operator routes, acting as a named operator (`--operator` or
 * $REPATRIATE_OPERATOR), each recorded in the audit trail under that name.
 */
interface OperatorOptions extends DeskCliOptions {
  readonly operator?: string;
  readonly json: boolean;
}

function stateOption(value: string): RequestState {
  if (!(requestStates as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not a state (${requestStates.join(', ')})`);
  return value as RequestState;
}

async function asOperator<T>(opts: OperatorOptions, work: (desk: Desk, operator: Principal) => Promise<T>): Promise<T> {
  const email = opts.operator ?? process.env['REPATRIATE_OPERATOR'];
  if (!email) throw usageError('no operator named', 'pass --operator EMAIL or set $REPATRIATE_OPERATOR');
  return withDesk(opts, async (desk) => work(desk, await desk.operator(email)));
}

function printRequest(r: MigrationRequest): void {
  print(`request ${r.id} of ${r.accountUrl}: ${r.state}; asked for ${r.requestedDate}${r.finalDate ? `, final date ${r.finalDate}` : ''}; ${r.build} build${r.flags.length ? `; flags: ${r.flags.join(', ')}` : ''}${r.reason ? `; reason: ${r.reason}` : ''}`);
}

function printArchive(a: BuildStatus): void {
  const progress = a.bytesTotal ? `${a.bytesDone} of ~${a.bytesTotal} bytes${a.etaSeconds !== null ? `, ETA ${a.etaSeconds} s` : ''}` : `${a.bytesDone} bytes`;
  print(`archive ${a.archiveId} from the night before ${a.night}: ${a.stage} (${progress}; attempt ${a.attempts})${a.failure ? `; failed: ${a.failure}` : ''}`);
  if (a.expiresAt) print(`downloadable until ${a.expiresAt}${a.deletedAt ? `; deleted on ${a.deletedAt}` : ''}`);
  if (a.telephonyHandover) print(`telephony: ${a.telephonyHandover}`);
}

function operatorCommand(name: string, description: string): Command {
  const command = new Command(name).description(description).option('--operator <email>', 'the operator acting (default $REPATRIATE_OPERATOR)').option('--json', 'print the result as JSON', false);
  for (const option of smtpOptions()) command.addOption(option);
  return command;
}

export function deskCommand(): Command {
  const desk = new Command('desk').description("the operator's side of the vendor desk: queue, decisions, final dates, payments, audit (M1, M7, M13)");

  desk.addCommand(operatorCommand('queue', 'list migration requests, filtered by state and flag')
    .addOption(new Option('--state <state>', `only this state (${requestStates.join(', ')})`).argParser(stateOption))
    .option('--flag <flag>', 'only requests with this flag, e.g. rented-numbers')
    .action(async (opts: OperatorOptions & { state?: RequestState; flag?: string }) => {
      const requests = await asOperator(opts, (d, op) => d.listRequests(op, { ...(opts.state ? { state: opts.state } : {}), ...(opts.flag ? { flag: opts.flag } : {}) }));
      if (opts.json) return printJson({ requests });
      if (requests.length === 0) return print('the queue is empty');
      print(formatTable(['id', 'account', 'state', 'asked for', 'final date', 'build', 'flags'], requests.map((r) => [r.id, r.accountUrl, r.state, r.requestedDate, r.finalDate ?? '', r.build, r.flags.join(',')])));
    }));

  desk.addCommand(operatorCommand('show', 'one request: its assessment, flags and message thread')
    .argument('<id>', 'the request', positiveInt)
    .action(async (id: number, opts: OperatorOptions) => {
      const request = await asOperator(opts, (d, op) => d.getRequest(op, id));
      if (opts.json) return printJson(request);
      printRequest(request);
      if (request.archive) printArchive(request.archive);
      printAssessment(request.assessment);
      for (const m of request.messages) print(`[${m.createdAt}] ${m.role} ${m.author}: ${m.body}`);
    }));

  for (const [name, description] of [['approve', 'approve a checked request'], ['reject', 'reject a request with a reason (the customer is told)'], ['schedule', 'set the final date (M7); the customer is told by e-mail']] as const) {
    const command = operatorCommand(name, description).argument('<id>', 'the request', positiveInt);
    if (name === 'approve') command.option('--note <text>', 'a note for the customer');
    if (name === 'reject') command.requiredOption('--reason <text>', 'why: the customer reads it');
    if (name === 'schedule') command.addOption(new Option('--date <date>', 'the final date (YYYY-MM-DD); may differ from the requested one').argParser(nightOption).makeOptionMandatory());
    command.action(async (id: number, opts: OperatorOptions & { note?: string; reason?: string; date?: string }) => {
      const action = name === 'approve' ? { kind: 'approve' as const, note: opts.note } : name === 'reject' ? { kind: 'reject' as const, reason: opts.reason! } : { kind: 'schedule' as const, finalDate: opts.date! };
      const request = await asOperator(opts, (d, op) => d.decide(op, id, action));
      if (opts.json) return printJson(request);
      printRequest(request);
    });
    desk.addCommand(command);
  }

  desk.addCommand(operatorCommand('message', 'write to the customer about a request (they get an e-mail)')
    .argument('<id>', 'the request', positiveInt)
    .requiredOption('--text <text>', 'the message')
    .action(async (id: number, opts: OperatorOptions & { text: string }) => {
      const message = await asOperator(opts, (d, op) => d.postMessage(op, id, opts.text));
      if (opts.json) return printJson(message);
      print(`message ${message.id} sent on request ${id}`);
    }));

  desk.addCommand(operatorCommand('order', 'open an order for a further build of an account (M1)')
    .requiredOption('--account <url>', 'the account address', accountAddress)
    .addOption(priceOption())
    .action(async (opts: OperatorOptions & { account: string }) => {
      const order = await asOperator(opts, (d, op) => d.createOrder(op, opts.account));
      if (opts.json) return printJson(order);
      print(`order ${order.id} for ${order.accountUrl}: ${formatPrice(order.priceCents)}, open until the payment is recorded`);
    }));

  desk.addCommand(operatorCommand('payment', 'record that an order was paid (M1)')
    .argument('<order>', 'the order', positiveInt)
    .requiredOption('--reference <text>', 'the payment reference from the bookkeeping')
    .action(async (id: number, opts: OperatorOptions & { reference: string }) => {
      const order = await asOperator(opts, (d, op) => d.recordPayment(op, id, opts.reference));
      if (opts.json) return printJson(order);
      print(`order ${order.id} paid (${formatPrice(order.priceCents)}): the account can request a further build`);
    }));

  desk.addCommand(operatorCommand('audit', 'the audit trail, newest first (M13)')
    .option('--subject <subject>', 'only entries about this subject, e.g. request:3')
    .option('--action <action>', 'only this action, e.g. request.approve')
    .action(async (opts: OperatorOptions & { subject?: string; action?: string }) => {
      const entries = await asOperator(opts, (d, op) => d.audit(op, { ...(opts.subject ? { subject: opts.subject } : {}), ...(opts.action ? { action: opts.action } : {}) }));
      if (opts.json) return printJson({ entries });
      print(formatTable(['id', 'at', 'actor', 'action', 'subject', 'details'], entries.map((e) => [e.id, e.at, e.actor, e.action, e.subject, JSON.stringify(e.details)])));
    }));

  desk.addCommand(operatorCommand('notifications', 'e-mail notifications: sent, failed, or only recorded (no SMTP configured)')
    .action(async (opts: OperatorOptions) => {
      const notifications = await asOperator(opts, (d, op) => d.notifications(op));
      if (opts.json) return printJson({ notifications });
      print(formatTable(['id', 'to', 'subject', 'sent'], notifications.map((n) => [n.id, n.to, n.subject, n.sentAt ?? (n.error ? `failed: ${n.error}` : 'recorded only')])));
    }));

  desk.addCommand(operatorCommand('tick', 'do what is due now: freeze requests whose final date has come and build their archives (M7, M8), retry failed builds, purge archives past their 7 days (M12)')
    .option('--now <iso>', 'act as if it were this time (ISO 8601), e.g. to rehearse a final date')
    .addOption(publicUrlOption())
    .addOption(s3Options()[0]!).addOption(s3Options()[1]!).addOption(s3Options()[2]!)
    .action(async (opts: OperatorOptions & { now?: string; publicUrl?: string }) => {
      const report = await withDesk(opts, (d) => d.archives.tick());
      if (opts.json) return printJson(report);
      print(`frozen: ${report.frozen.join(', ') || 'none'}; ${report.queued.length ? `queued for workers: ${report.queued.join(', ')}; ` : ''}ready: ${report.ready.join(', ') || 'none'}; purged: ${report.purged.join(', ') || 'none'}`);
      for (const id of report.abandoned) print(`request ${id}: its build had stopped without finishing (the process ended); retried from its journal`);
      for (const f of report.failed) print(`request ${f.id}: build failed: ${f.reason} (the next tick retries it from its journal)`);
      if (report.failed.length > 0) process.exitCode = errorCodes.REPAT_DESK_BUILD_FAILED.exit;
    }));

  desk.addCommand(operatorCommand('resend-password', 'send the customer a new one-time link to the archive password (M11); you never see the password')
    .argument('<id>', 'the request', positiveInt)
    .addOption(publicUrlOption())
    .action(async (id: number, opts: OperatorOptions & { publicUrl?: string }) => {
      const result = await asOperator(opts, (d, op) => d.archives.resendPassword(op as Principal & { role: 'operator' }, id));
      if (opts.json) return printJson(result);
      print(`a new reveal link for request ${id} ${result.sent ? 'was sent' : 'was recorded but not sent (no SMTP configured)'} to ${result.to}; it works once, until ${result.linkExpiresAt}`);
    }));

  desk
    .command('demo')
    .description('on the reference cloud in REPATRIATE_HOME: license → assessment → request → approval with a final date → freeze and build → password e-mail → download, through the API (replaces the embedded desk)')
    .option('--account <url>', 'the account to migrate', accountAddress, 'https://acme.cloud.example')
    .action(async (opts: { account: string }) => {
      await runDeskDemo(repatriateHome(), opts.account);
    });

  return desk;
}

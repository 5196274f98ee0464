import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { RepatriateError } from '../core/errors.js';
import { trustedKeys } from '../core/keystore.js';
import { createMailer, type Mailer, type MailSettings } from '../core/mail.js';
import type { LicensePayload } from '../license/key.js';
import type { SignedTelephonyRequest } from '../license/telephony-request.js';
import { assess, type Assessment } from './assessment/assess.js';
import { appendAudit, listAudit, type Actor, type AuditFilter, type AuditRecord } from './audit.js';
import * as auth from './auth.js';
import { referenceCloudGateway, type CloudGateway } from './cloud.js';
import { systemClock, type Clock } from './clock.js';
import * as licenses from './licenses.js';
import { deliverNotices, listNotifications, recordNotices, type Notice, type NotificationRecord } from './notifications.js';
import * as orders from './orders.js';
import * as requests from './requests.js';
import type { RequestState } from './states.js';
import { deskStoreLocation, openDeskStore, type DeskStore, type Sql, type StoreLocation } from './store/store.js';
import * as telephony from './telephony.js';
import { ArchiveService } from './archives.js';
import { buildStatusOf, type BuildStatus } from './builds.js';
import { loadServerKey, type ServerKey } from './server-key.js';
import type { ArchiveStore } from './archive-store/store.js';
import { BuildJobs, type JobOutcome } from './jobs/build-jobs.js';
import { JobQueue, type BuildJob, type JobContext, type JobSettings } from './jobs/queue.js';

/**
 * The desk as one service: every use case a face (HTTP, CLI) needs, each in one transaction of
 * the store, with authorisation decided here — not in the routes — so no face can skip it.
 */
export interface DeskOptions {
  readonly home: string;
  readonly store?: StoreLocation;
  readonly cloud?: CloudGateway;
  readonly clock?: Clock;
  /** SMTP for notifications; without it notifications are recorded, not sent. */
  readonly mail?: MailSettings;
  readonly priceCents?: number;
  readonly termsVersion?: string;
  readonly licenseKeys?: readonly KeyObject[];
  /** The desk's address as customers reach it (reveal links, download instructions). */
  readonly publicUrl?: string;
  /** Without SMTP, where a mail carrying a secret (the password's reveal link) goes instead of nowhere; never stored. */
  readonly onSecretMail?: (notice: Notice) => void;
  /** Volume size of the archives the desk builds (default 1 GiB). */
  readonly volumeSize?: number;
  /** The server key sealing archive passwords (default: $REPATRIATE_DESK_KEY or desk/server.key in the home). */
  readonly serverKey?: ServerKey;
  /** Where finished archives go (default: the local folder desk/archives in the home; S3 when configured). */
  readonly archiveStore?: ArchiveStore;
  /** Builds go through pg-boss in this PostgreSQL database (workers take them) instead of running in the desk's process. */
  readonly jobs?: { readonly url: string; readonly settings?: JobSettings };
}

export const currentTermsVersion = '2026-11';

export type Principal = auth.Principal;
export type { Assessment, AuditRecord, BuildStatus, NotificationRecord };
export type MigrationRequest = requests.MigrationRequest;

export interface RequestDetail extends requests.MigrationRequest {
  readonly assessment: Assessment;
  /** The build behind the request once it is frozen: stage, bytes, ETA, retention (M7, M12). */
  readonly archive: BuildStatus | null;
  readonly messages: readonly requests.Message[];
}

function requireOperator(principal: Principal): asserts principal is Principal & { role: 'operator' } {
  if (principal.role !== 'operator') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'only operators may do that', { hint: 'sign in with an operator account' });
}

function requireCustomer(principal: Principal): asserts principal is Principal & { role: 'customer' } {
  if (principal.role !== 'customer') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'only the account\'s administrator may do that', { hint: 'operators act through the operator routes' });
}

export class Desk {
  readonly priceCents: number;
  readonly termsVersion: string;
  private readonly mailer: Mailer | undefined;
  /** Freeze, build, password delivery, download and retention behind scheduled requests. */
  readonly archives: ArchiveService;
  private queue: Promise<JobQueue> | undefined;

  constructor(
    readonly store: DeskStore,
    readonly cloud: CloudGateway,
    private readonly licenseKeys: readonly KeyObject[],
    readonly clock: Clock,
    options: DeskOptions,
  ) {
    this.priceCents = options.priceCents ?? orders.defaultPriceCents;
    this.termsVersion = options.termsVersion ?? currentTermsVersion;
    this.mailer = options.mail ? createMailer(options.mail) : undefined;
    let key: Promise<ServerKey> | undefined;
    this.archives = new ArchiveService({
      home: options.home, store, cloud, clock, mailer: this.mailer,
      key: () => (options.serverKey ? Promise.resolve(options.serverKey) : (key ??= loadServerKey(options.home))),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.onSecretMail ? { onSecretMail: options.onSecretMail } : {}),
      ...(options.volumeSize ? { volumeSize: options.volumeSize } : {}),
      ...(options.archiveStore ? { archiveStore: options.archiveStore } : {}),
      ...(options.jobs ? { jobs: () => this.jobQueue() } : {}),
    });
    this.jobsOptions = options.jobs;
  }

  private readonly jobsOptions: DeskOptions['jobs'];

  /** Whether builds go through the job queue (pg-boss) rather than this process. */
  get usesJobs(): boolean {
    return this.jobsOptions !== undefined;
  }

  /** The pg-boss queue, started on first use. */
  jobQueue(): Promise<JobQueue> {
    const jobs = this.jobsOptions;
    if (!jobs) return Promise.reject(new RepatriateError('REPAT_JOBS', 'this desk runs builds in its own process; there is no job queue', { hint: 'set DATABASE_URL to a PostgreSQL server to use workers' }));
    this.queue ??= JobQueue.open(jobs.url, jobs.settings);
    this.queue.catch(() => (this.queue = undefined));
    return this.queue;
  }

  /** Takes build jobs, `concurrency` at a time, until close(): what `repatriate worker` runs. */
  async work(concurrency: number, onJob?: (job: BuildJob, context: JobContext, outcome: JobOutcome | Error, ms: number) => void): Promise<void> {
    const queue = await this.jobQueue();
    await this.cloud.close();
    const jobs = new BuildJobs(this.archives, queue);
    await queue.work(concurrency, async (job, context) => {
      const started = Date.now();
      try {
        const outcome = await jobs.handle(job, context);
        onJob?.(job, context, outcome, Date.now() - started);
      } catch (error) {
        onJob?.(job, context, error as Error, Date.now() - started);
        throw error;
      }
    });
  }

  get mailConfigured(): boolean {
    return this.mailer !== undefined;
  }

  /** Runs an action and sends the notices it queued once its transaction has committed. */
  private async withNotices<T>(work: (sql: Sql, notify: (n: Notice[]) => void) => Promise<T>): Promise<T> {
    let ids: number[] = [];
    const result = await this.store.transaction(async (sql) => {
      const notices: Notice[] = [];
      const value = await work(sql, (n) => notices.push(...n));
      ids = await recordNotices(sql, notices, this.clock());
      return value;
    });
    await deliverNotices(this.store, this.mailer, ids, this.clock);
    return result;
  }

  // Licenses (M3)

  recordIssued(key: string, license: LicensePayload, actor: Actor): Promise<void> {
    return this.store.transaction((sql) => licenses.recordIssued(sql, key, license, this.clock(), actor));
  }

  activateLicense(key: string, installation: string, actor: Actor): ReturnType<typeof licenses.activateLicense> {
    return this.store.transaction((sql) => licenses.activateLicense(sql, this.licenseKeys, key, installation, this.clock(), actor));
  }

  registerLicense(key: string, owner: { name: string; email: string }, actor: Actor): ReturnType<typeof licenses.registerLicense> {
    return this.store.transaction((sql) => licenses.registerLicense(sql, this.licenseKeys, key, owner, this.clock(), actor));
  }

  async checkLicense(key: string): Promise<licenses.PublicLicenseCheck> {
    return licenses.publicCheck(await this.store.transaction((sql) => licenses.licenseVerdictFor(sql, this.licenseKeys, key, this.clock())));
  }

  // Assessment (B2, M3–M6, M8)

  async assess(accountUrl: string, licenseKey: string): Promise<Assessment> {
    const facts = await this.cloud.accountFacts(accountUrl);
    const verdict = await this.store.transaction((sql) => licenses.licenseVerdictFor(sql, this.licenseKeys, licenseKey, this.clock()));
    return assess(facts, verdict, await this.cloud.kernelBytes(facts.modules), this.clock());
  }

  // Sessions

  async signInCustomer(accountUrl: string, login: string, password: string): Promise<auth.NewSession & { principal: Principal }> {
    let admin;
    try {
      admin = await this.cloud.verifyAdministrator(accountUrl, login, password);
    } catch (error) {
      if (error instanceof RepatriateError) {
        await this.store.transaction((sql) => appendAudit(sql, this.clock(), { actor: 'public', action: 'session.refused', subject: `account:${accountUrl}`, details: { login, code: error.code } }));
      }
      throw error;
    }
    const principal = auth.customerPrincipal(admin);
    const session = await this.store.transaction((sql) => auth.createSession(sql, principal, this.clock()));
    return { ...session, principal };
  }

  async signInOperator(email: string, password: string): Promise<auth.NewSession & { principal: Principal }> {
    return this.store.transaction(async (sql) => {
      const principal = await auth.verifyOperator(sql, email, password);
      return { ...(await auth.createSession(sql, principal, this.clock())), principal };
    }).catch(async (error: unknown) => {
      // Recorded in its own transaction: the failed sign-in's was rolled back.
      if (error instanceof RepatriateError && error.code === 'REPAT_DESK_AUTH') {
        await this.store.transaction((sql) => appendAudit(sql, this.clock(), { actor: 'public', action: 'session.refused', subject: `operator:${email.trim().toLowerCase()}`, details: {} }));
      }
      throw error;
    });
  }

  principal(token: string): Promise<Principal> {
    return this.store.transaction((sql) => auth.sessionPrincipal(sql, token, this.clock()));
  }

  signOut(token: string): Promise<void> {
    return this.store.transaction((sql) => auth.endSession(sql, token));
  }

  addOperator(email: string, password: string, actor: `cli:${string}` | `operator:${string}`): Promise<{ id: number; email: string }> {
    return this.store.transaction((sql) => auth.addOperator(sql, email, password, this.clock(), actor));
  }

  operator(email: string): Promise<Principal> {
    return this.store.transaction((sql) => auth.operatorByEmail(sql, email));
  }

  listOperators(): ReturnType<typeof auth.listOperators> {
    return this.store.transaction((sql) => auth.listOperators(sql));
  }

  // Requests (M2, M7, M13)

  async submitRequest(principal: Principal, input: requests.SubmitInput): Promise<MigrationRequest> {
    requireCustomer(principal);
    const assessment = await this.assess(principal.accountUrl, input.licenseKey);
    return this.withNotices(async (sql, notify) => {
      const verdict = await licenses.licenseVerdictFor(sql, this.licenseKeys, input.licenseKey, this.clock());
      const request = await requests.submitRequest(sql, input, { customer: principal, verdict, assessment, currentTerms: this.termsVersion, priceCents: this.priceCents, at: this.clock() });
      const flags = request.flags.length > 0 ? `\nFlags: ${request.flags.join(', ')} (M8: the build takes longer).` : '';
      notify((await auth.operatorEmails(sql)).map((to) => ({
        to, subject: `New migration request ${request.id} from ${request.accountUrl}`,
        text: `Request ${request.id}: ${request.accountUrl} asks for a migration on ${request.requestedDate} (${request.build} build).${flags}\nReview it in the operator queue.`,
      })));
      return request;
    });
  }

  listRequests(principal: Principal, filter: { state?: RequestState; flag?: string } = {}): Promise<MigrationRequest[]> {
    return this.store.transaction((sql) => requests.listRequests(sql, principal.role === 'customer' ? { ...filter, accountUrl: principal.accountUrl } : filter));
  }

  getRequest(principal: Principal, id: number): Promise<RequestDetail> {
    return this.store.transaction(async (sql) => {
      const { contactEmail: _contact, ...request } = await requests.visibleRequest(sql, principal, id);
      return { ...request, messages: await requests.listMessages(sql, id), archive: await buildStatusOf(sql, id, this.clock()) };
    });
  }

  decide(principal: Principal, id: number, action: requests.OperatorAction): Promise<MigrationRequest> {
    requireOperator(principal);
    return this.withNotices(async (sql, notify) => {
      const { before, after, contactEmail } = await requests.decide(sql, principal, id, action, this.clock());
      if (contactEmail) notify([decisionNotice(contactEmail, before, after, action)]);
      return after;
    });
  }

  postMessage(principal: Principal, id: number, body: string): Promise<requests.Message> {
    return this.withNotices(async (sql, notify) => {
      const { message, request } = await requests.postMessage(sql, principal, id, body, this.clock());
      const recipients = principal.role === 'customer' ? await auth.operatorEmails(sql) : request.contactEmail ? [request.contactEmail] : [];
      const from = principal.role === 'customer' ? `the administrator of ${request.accountUrl}` : 'the vendor\'s migration desk';
      notify(recipients.map((to) => ({ to, subject: `New message on migration request ${id}`, text: `A new message from ${from} on request ${id}:\n\n${body}\n` })));
      return message;
    });
  }

  // Orders (M1)

  createOrder(principal: Principal, accountUrl?: string): Promise<orders.Order> {
    const account = principal.role === 'customer' ? principal.accountUrl : accountUrl;
    if (!account) throw new RepatriateError('REPAT_USAGE', 'name the account the order is for', { hint: 'send {"accountUrl": "https://…"}' });
    return this.store.transaction((sql) => orders.createOrder(sql, account, this.priceCents, this.clock(), auth.actorOf(principal)));
  }

  recordPayment(principal: Principal, orderId: number, reference: string): Promise<orders.Order> {
    requireOperator(principal);
    return this.store.transaction((sql) => orders.recordPayment(sql, orderId, reference, principal, this.clock()));
  }

  listOrders(principal: Principal, accountUrl?: string): Promise<orders.Order[]> {
    return this.store.transaction((sql) => orders.listOrders(sql, principal.role === 'customer' ? principal.accountUrl : accountUrl));
  }

  // Audit (M13), notifications

  audit(principal: Principal, filter: AuditFilter = {}): Promise<AuditRecord[]> {
    requireOperator(principal);
    return this.store.transaction((sql) => listAudit(sql, filter));
  }

  notifications(principal: Principal): Promise<NotificationRecord[]> {
    requireOperator(principal);
    return this.store.transaction((sql) => listNotifications(sql));
  }

  // Telephony (P10)

  receiveTelephonyRequest(signed: SignedTelephonyRequest): Promise<telephony.TelephonyRequest> {
    return this.store.transaction(async (sql) => {
      const verdict = await licenses.licenseVerdictFor(sql, this.licenseKeys, signed.request.licenseKey, this.clock());
      return telephony.receiveTelephonyRequest(sql, signed, verdict, this.clock());
    });
  }

  listTelephonyRequests(principal: Principal): Promise<telephony.TelephonyRequest[]> {
    requireOperator(principal);
    return this.store.transaction((sql) => telephony.listTelephonyRequests(sql));
  }

  async close(): Promise<void> {
    // Running jobs end first (up to 30 s), so none is cut off by the store closing under it.
    if (this.queue) await (await this.queue.catch(() => undefined))?.stop(true);
    this.mailer?.close();
    this.archives.archiveStore.close?.();
    await this.cloud.close();
    await this.store.close();
  }
}

function decisionNotice(to: string, before: MigrationRequest, after: MigrationRequest, action: requests.OperatorAction): Notice {
  const id = after.id;
  switch (action.kind) {
    case 'approve':
      return { to, subject: `Migration request ${id} approved`, text: `Your migration request ${id} for ${after.accountUrl} was approved.${action.note ? `\n\n${action.note}` : ''}\nThe vendor will confirm the final date.` };
    case 'reject':
      return { to, subject: `Migration request ${id} rejected`, text: `Your migration request ${id} for ${after.accountUrl} was rejected.\n\nReason: ${action.reason}\n` };
    case 'schedule': {
      const moved = after.finalDate !== before.requestedDate;
      return {
        to,
        subject: moved ? `Migration request ${id}: final date ${after.finalDate} (you asked for ${before.requestedDate})` : `Migration request ${id}: final date ${after.finalDate}`,
        text: `The final date of your migration is ${after.finalDate}${moved ? `; it differs from the date you asked for (${before.requestedDate})` : ''}.\n` +
          `The archive is built from the nightly backup of the night before ${after.finalDate}; changes after it are not in the archive, and from that date the cloud account is frozen (M7).\n`,
      };
    }
  }
}

export async function openDesk(options: DeskOptions): Promise<Desk> {
  const store = await openDeskStore(options.store ?? deskStoreLocation(options.home));
  const keys = options.licenseKeys ?? (await trustedKeys([path.join(options.home, 'vendor'), path.join(options.home, 'trusted-keys')], 'license-key'));
  return new Desk(store, options.cloud ?? referenceCloudGateway(options.home), keys, options.clock ?? systemClock, options);
}

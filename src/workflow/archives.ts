import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { generatePassword, generatedScryptLogN } from '../archive/password.js';
import { indexName } from '../archive/format.js';
import { readIndex } from '../archive/reader.js';
import { build, prepare, type BuildEvent } from '../build/build.js';
import { planBuild } from '../build/estimate.js';
import { defaultPartBytes } from '../build/parts.js';
import { RepatriateError } from '../core/errors.js';
import { loadOrCreateSigningKey } from '../core/keystore.js';
import type { Mailer } from '../core/mail.js';
import { cloudPaths } from '../platform/cloud.js';
import { referenceManifest } from '../platform/manifest.js';
import { accountFilesDir, openExtraReaders, openSnapshot, readSnapshotMeta, takeSnapshot } from '../platform/snapshot.js';
import type { LicenseEdition } from '../license/key.js';
import { appendAudit } from './audit.js';
import type { Principal } from './auth.js';
import { buildRow, recordProgress, retentionDays, toStatus, type BuildRow, type BuildStage } from './builds.js';
import type { CloudGateway } from './cloud.js';
import { dayOf, type Clock } from './clock.js';
import { deliverNotices, recordNotices, type Notice } from './notifications.js';
import { createRevealLink, retireRevealLinks, spendRevealLink } from './reveal-links.js';
import { visibleRequest } from './requests.js';
import type { ServerKey } from './server-key.js';
import { transition, type RequestState } from './states.js';
import type { DeskStore, Sql } from './store/store.js';
import type { SqlClient } from '../engine/types.js';
import { LocalArchiveStore } from './archive-store/local.js';
import type { ArchiveStore, ByteSpan } from './archive-store/store.js';
import type { JobQueue } from './jobs/queue.js';

/**
 * What happens behind a scheduled request (M7, M8, M11, M12): at the final date the account is
 * frozen and its archive built in-process from the snapshot of the night before; then the
 * password goes out by its own channel, the customer downloads, and 7 days after the archive
 * was ready it is deleted. `tick` does whatever is due; the scheduler in `serve` and
 * `repatriate desk tick` call it.
 */
export interface ArchiveServiceOptions {
  readonly home: string;
  readonly store: DeskStore;
  readonly cloud: CloudGateway;
  readonly clock: Clock;
  readonly key: () => Promise<ServerKey>;
  readonly mailer: Mailer | undefined;
  /** The desk's address as customers reach it, for the reveal link (default http://localhost:8080). */
  readonly publicUrl?: string;
  /** Without SMTP, where a mail carrying a secret goes instead (the demo prints it); it is never stored. */
  readonly onSecretMail?: (notice: Notice) => void;
  readonly volumeSize?: number;
  readonly maxAttempts?: number;
  /** How long a build may go without progress before it counts as abandoned (default 15 minutes). */
  readonly staleAfterMs?: number;
  /** Where finished archives go (default: the local folder `desk/archives` in the home). */
  readonly archiveStore?: ArchiveStore;
  /** With a job queue (pg-boss), `tick` queues builds for `repatriate worker` processes instead of building here. */
  readonly jobs?: () => Promise<JobQueue>;
}

export interface TickReport {
  readonly frozen: number[];
  /** Builds handed to the job queue (with pg-boss); workers build them. */
  readonly queued: number[];
  /** Builds found stopped mid-way (the process that ran them ended); retried in the same tick. */
  readonly abandoned: number[];
  readonly ready: number[];
  readonly failed: { readonly id: number; readonly reason: string }[];
  readonly purged: number[];
}

const system = 'cli:desk-scheduler' as const;
const downloadable: readonly RequestState[] = ['ready', 'downloaded'];

/** A failure as the customer and the audit may see it: the code and message, never a stack or a secret. */
function failureText(error: unknown, password: string | undefined): string {
  const text = error instanceof RepatriateError ? `${error.code}: ${error.message}` : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  return (password ? text.split(password).join('[redacted]') : text).slice(0, 1000);
}

export class ArchiveService {
  private readonly archivesDir: string;
  private readonly local: LocalArchiveStore;
  /** Where new archives go. */
  readonly archiveStore: ArchiveStore;
  /** Requests this process is building right now: never abandoned, however long a stage takes. */
  private readonly running = new Set<number>();

  constructor(readonly o: ArchiveServiceOptions) {
    this.archivesDir = path.join(o.home, 'desk', 'archives');
    this.local = new LocalArchiveStore(this.archivesDir);
    this.archiveStore = o.archiveStore ?? this.local;
  }

  /** The store a build recorded; an archive in a bucket this desk is not configured for cannot be reached. */
  storeOf(id: string): ArchiveStore {
    if (id === this.archiveStore.id) return this.archiveStore;
    if (id === 'local') return this.local;
    throw new RepatriateError('REPAT_ARCHIVE_STORE', `the archive is kept in ${id}, which this desk is not configured for (it uses ${this.archiveStore.id})`, {
      hint: 'start the desk with the S3 settings the archive was built with (--s3-bucket, --s3-endpoint or $REPATRIATE_S3_*)',
    });
  }

  /**
   * Moves a finished build from its working folder into the archive store: the volumes first,
   * index.json last, so a reader never finds an index whose volumes are not there yet. The
   * local store keeps the folder; another store gets copies and the folder goes.
   */
  async publish(storeId: string, archiveId: string, out: string): Promise<void> {
    const store = this.storeOf(storeId);
    if (store === this.local) return;
    const names = (await readdir(out)).filter((n) => /^vol-\d{4}\.age$/.test(n)).sort();
    for (const name of [...names, indexName]) await store.put(archiveId, name, path.join(out, name));
    await rm(out, { recursive: true, force: true });
  }

  private now(): Date {
    return this.o.clock();
  }

  async tick(): Promise<TickReport> {
    const report: TickReport = { frozen: [], queued: [], abandoned: [], ready: [], failed: [], purged: [] };
    const today = dayOf(this.now());
    const due = await this.o.store.query<{ id: number }>("SELECT id FROM requests WHERE state = 'scheduled' AND final_date <= $1 ORDER BY id", [today]);
    for (const { id } of due) {
      await this.freeze(id);
      report.frozen.push(id);
    }
    report.abandoned.push(...(await this.abandonStale()));
    const toBuild = await this.o.store.query<{ id: number }>(
      "SELECT r.id FROM requests r JOIN builds b ON b.request_id = r.id WHERE r.state = 'frozen' OR (r.state = 'failed' AND b.attempts < $1) ORDER BY r.id",
      [this.o.maxAttempts ?? 3],
    );
    for (const { id } of toBuild) {
      if (this.o.jobs) {
        const queue = await this.o.jobs();
        const { build } = await this.startBuild(id);
        await queue.send({ kind: 'plan', requestId: id, attempt: build.attempts, volumeSize: this.o.volumeSize ?? 1024 ** 3 });
        report.queued.push(id);
        continue;
      }
      const outcome = await this.runBuild(id);
      if (outcome.ok) report.ready.push(id);
      else report.failed.push({ id, reason: outcome.reason });
    }
    report.purged.push(...(await this.purgeExpired()));
    return report;
  }

  /** scheduled → frozen: the snapshot of the night before exists (taken now if missing), the live account is frozen, the password generated and sealed. */
  private async freeze(id: number): Promise<void> {
    const [request] = await this.o.store.query<{ account_url: string; final_date: string; flags: string[] }>('SELECT account_url, final_date::text AS final_date, flags FROM requests WHERE id = $1', [id]);
    const night = request!.final_date;
    let snapshotTaken = false;
    if (!(await readSnapshotMeta(this.o.home, night).then(() => true, () => false))) {
      // An embedded cloud is one folder that one process holds: let go of it while it is copied.
      await this.o.cloud.close();
      await takeSnapshot(this.o.home, night, this.now());
      snapshotTaken = true;
    }
    await this.o.cloud.freezeAccount(request!.account_url);
    const key = await this.o.key();
    await this.o.store.transaction(async (sql) => {
      const [row] = await sql.query<{ state: RequestState }>('SELECT state FROM requests WHERE id = $1 FOR UPDATE', [id]);
      const state = transition(row!.state, 'frozen');
      const at = this.now();
      const archiveId = randomUUID();
      const handover = request!.flags.includes('rented-numbers')
        ? 'the account rents telephone numbers: they stay with the cloud until the installation sends its signed telephony transfer request (P10); the vendor then moves them (M8)'
        : null;
      await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, state, at.toISOString()]);
      await sql.query(
        `INSERT INTO builds (request_id, archive_id, night, out_dir, password_sealed, stage, telephony_handover, started_at, updated_at, store) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $7, $8)`,
        [id, archiveId, night, path.join(this.archivesDir, archiveId), key.seal(generatePassword(), `request:${id}`), handover, at.toISOString(), this.archiveStore.id],
      );
      await appendAudit(sql, at, { actor: system, action: 'request.freeze', subject: `request:${id}`, details: { state: { from: 'scheduled', to: 'frozen' }, accountUrl: request!.account_url, night, snapshotTaken, archiveId, telephonyHandover: handover !== null } });
    });
  }

  /**
   * building → failed for builds whose progress stopped longer than `staleAfterMs` ago and that
   * this process is not running: the process that ran them ended (killed, machine restarted).
   * The retry that follows resumes the build's journal.
   */
  private async abandonStale(): Promise<number[]> {
    const before = new Date(this.now().getTime() - (this.o.staleAfterMs ?? 15 * 60_000)).toISOString();
    const stale = await this.o.store.query<{ id: number }>(
      "SELECT r.id FROM requests r JOIN builds b ON b.request_id = r.id WHERE r.state = 'building' AND b.updated_at < $1 ORDER BY r.id",
      [before],
    );
    const abandoned: number[] = [];
    const queue = this.o.jobs ? await this.o.jobs() : undefined;
    for (const { id } of stale.filter((r) => !this.running.has(r.id))) {
      // On workers, a build waiting in a busy queue or running a long volume is not abandoned: only one with no job left alive is.
      if (queue && (await queue.jobsOf(id)).some((j) => ['created', 'retry', 'active'].includes(j.state))) continue;
      const done = await this.o.store.transaction(async (sql) => {
        const [row] = await sql.query<{ state: RequestState }>('SELECT state FROM requests WHERE id = $1 FOR UPDATE', [id]);
        if (row?.state !== 'building') return false;
        const at = this.now();
        const reason = 'the build stopped without finishing (the process that ran it ended); it is retried from its journal';
        await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, transition('building', 'failed'), at.toISOString()]);
        await sql.query("UPDATE builds SET stage = 'failed', failure = $2, updated_at = $3 WHERE request_id = $1", [id, reason, at.toISOString()]);
        await appendAudit(sql, at, { actor: system, action: 'build.abandon', subject: `request:${id}`, details: { state: { from: 'building', to: 'failed' }, reason } });
        return true;
      });
      if (done) abandoned.push(id);
    }
    return abandoned;
  }

  /** frozen|failed → building, one more attempt, audited; the build's record as it now stands. */
  async startBuild(id: number): Promise<{ build: BuildRow; accountUrl: string; edition: LicenseEdition }> {
    return this.o.store.transaction(async (sql) => {
      const [row] = await sql.query<{ state: RequestState; account_url: string; edition: LicenseEdition }>(
        'SELECT r.state, r.account_url, l.edition FROM requests r JOIN licenses l ON l.id = r.license_id WHERE r.id = $1 FOR UPDATE OF r',
        [id],
      );
      const from = row!.state;
      const state = transition(from, 'building');
      const at = this.now();
      await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, state, at.toISOString()]);
      await sql.query("UPDATE builds SET stage = 'snapshot', attempts = attempts + 1, failure = NULL, started_at = $2, updated_at = $2 WHERE request_id = $1", [id, at.toISOString()]);
      const build = (await buildRow(sql, id))!;
      await appendAudit(sql, at, { actor: system, action: 'build.start', subject: `request:${id}`, details: { state: { from, to: 'building' }, archiveId: build.archive_id, attempt: build.attempts, ...(this.o.jobs ? { queued: true } : {}) } });
      return { build, accountUrl: row!.account_url, edition: row!.edition };
    });
  }

  /** frozen|failed → building → ready|failed. A retry resumes the journal in the same folder. */
  private async runBuild(id: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    const started = await this.startBuild(id);
    const { build: record, accountUrl, edition } = started;
    let password: string | undefined;
    this.running.add(id);
    try {
      password = (await this.o.key()).open(record.password_sealed, `request:${id}`);
      // A build that finished but could not be published (the store was down) is not built again.
      const finished = await readIndex(record.out_dir).catch(() => undefined);
      const index = finished
        ? { volumes: finished.volumes.length, bytes: finished.volumes.reduce((a, v) => a + v.size, 0), resumed: true }
        : await this.buildArchive(id, accountUrl, edition, record.night, record.out_dir, record.archive_id, password);
      await this.publish(record.store, record.archive_id, record.out_dir);
      await this.markReady(id, index);
      return { ok: true };
    } catch (error) {
      const reason = await this.failBuild(id, error, password);
      return { ok: false, reason };
    } finally {
      this.running.delete(id);
    }
  }

  /** building → failed with the reason (no secret in it), audited; the reason as recorded. */
  async failBuild(id: number, error: unknown, password: string | undefined): Promise<string> {
    const reason = failureText(error, password);
    await this.o.store.transaction(async (sql) => {
      const [row] = await sql.query<{ state: RequestState }>('SELECT state FROM requests WHERE id = $1 FOR UPDATE', [id]);
      if (row?.state !== 'building') return;
      const at = this.now();
      await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, transition('building', 'failed'), at.toISOString()]);
      await sql.query("UPDATE builds SET stage = 'failed', failure = $2, updated_at = $3 WHERE request_id = $1", [id, reason, at.toISOString()]);
      await appendAudit(sql, at, { actor: system, action: 'build.fail', subject: `request:${id}`, details: { state: { from: 'building', to: 'failed' }, reason, code: error instanceof RepatriateError ? error.code : 'REPAT_INTERNAL' } });
    });
    return reason;
  }

  /** The data of modules the license's edition lacks stays behind (M6), as the assessment showed before the request. */
  private async buildArchive(id: number, accountUrl: string, edition: LicenseEdition, night: string, out: string, archiveId: string, passphrase: string): Promise<{ volumes: number; bytes: number; resumed: boolean }> {
    const home = this.o.home;
    const snapshot = await openSnapshot(home, night);
    let readers: SqlClient[] = [];
    try {
      readers = await openExtraReaders(home, night, 2);
      const manifest = referenceManifest();
      const filesDir = accountFilesDir(home, night, accountUrl);
      const prepared = await prepare(snapshot.db, manifest, cloudPaths(home).kernel, accountUrl, { edition });
      const plan = await planBuild(snapshot.db, prepared, filesDir);
      await this.o.store.transaction((sql) => recordProgress(sql, id, { stage: 'rows', bytesDone: 0, bytesTotal: plan.estimatedBytes }, this.now()));
      const progress = this.progressRecorder(id);
      const result = await build(
        {
          db: snapshot.db, readers: readers.slice(0, 1), ...(readers[1] ? { ledgerReader: readers[1] } : {}), manifest, kernelStore: cloudPaths(home).kernel, account: accountUrl, snapshot: { night, takenAt: snapshot.meta.takenAt }, filesDir, out, archiveId,
          encryption: { kind: 'passphrase', passphrase, scryptLogN: generatedScryptLogN }, volumeSize: this.o.volumeSize ?? 1024 ** 3, partBytes: defaultPartBytes,
          signingKey: await loadOrCreateSigningKey(path.join(home, 'vendor')), now: this.now(), retentionDays, onEvent: progress.onEvent,
        },
        prepared,
      );
      await progress.flush();
      return { volumes: result.index.volumes.length, bytes: result.index.volumes.reduce((a, v) => a + v.size, 0), resumed: result.resumed };
    } finally {
      for (const db of [snapshot.db, ...readers]) await db.close();
    }
  }

  /** Progress into the store, at most a few times a second: bytes before compression against the plan's estimate. */
  private progressRecorder(id: number): { onEvent: (event: BuildEvent) => void; flush: () => Promise<void> } {
    let done = 0;
    let table = '';
    let tableRaw = 0;
    let stage: BuildStage = 'rows';
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    const write = (): void => {
      const snapshot = { stage, bytesDone: done };
      pending = pending.then(() => this.o.store.transaction((sql) => recordProgress(sql, id, snapshot, this.now()))).catch(() => undefined);
    };
    return {
      onEvent: (event) => {
        if (event.type === 'table') {
          if (event.table !== table) tableRaw = 0;
          done += event.raw - tableRaw;
          table = event.table;
          tableRaw = event.raw;
        } else if (event.type === 'files') {
          stage = 'files';
          done += event.raw;
        }
        if (Date.now() - last > 250 || event.type === 'volume') {
          last = Date.now();
          write();
        }
      },
      flush: async () => {
        stage = 'sealing';
        write();
        await pending;
      },
    };
  }

  async markReady(id: number, archive: { volumes: number; bytes: number; resumed: boolean }): Promise<void> {
    let secretMail: Notice | undefined;
    let recorded: number[] = [];
    await this.o.store.transaction(async (sql) => {
      const at = this.now();
      const expiresAt = new Date(at.getTime() + retentionDays * 86_400_000);
      await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, transition('building', 'ready'), at.toISOString()]);
      await sql.query("UPDATE builds SET stage = 'ready', bytes_done = COALESCE(bytes_total, bytes_done), ready_at = $2, expires_at = $3, volumes = $4, bytes = $5, updated_at = $2 WHERE request_id = $1",
        [id, at.toISOString(), expiresAt.toISOString(), archive.volumes, archive.bytes]);
      const build = (await buildRow(sql, id))!;
      await appendAudit(sql, at, { actor: system, action: 'build.ready', subject: `request:${id}`, details: { state: { from: 'building', to: 'ready' }, archiveId: build.archive_id, volumes: archive.volumes, bytes: archive.bytes, resumed: archive.resumed, expiresAt: expiresAt.toISOString() } });
      const [contact] = await sql.query<{ contact_email: string | null }>('SELECT contact_email FROM requests WHERE id = $1', [id]);
      if (!contact?.contact_email) return;
      recorded = await recordNotices(sql, [{
        to: contact.contact_email,
        subject: `Migration request ${id}: your archive is ready`,
        text: `The archive ${build.archive_id} of your account is ready: ${archive.volumes} volume(s), ${archive.bytes} bytes.\n` +
          `Download it with: repatriate download ${id} --desk ${this.publicUrl()} --out ARCHIVE-FOLDER\n` +
          `It can be downloaded until ${expiresAt.toISOString()}; then it is deleted (M12). The password comes in a separate e-mail.\n`,
      }], at);
      secretMail = await this.passwordMail(sql, id, contact.contact_email, at, system);
    });
    await deliverNotices(this.o.store, this.o.mailer, recorded, this.o.clock);
    if (secretMail) await this.sendSecret(secretMail);
  }

  private publicUrl(): string {
    return (this.o.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, '');
  }

  /** A new one-time reveal link, its mail recorded without the link (the store never holds it), audited. */
  private async passwordMail(sql: Sql, id: number, to: string, at: Date, actor: `operator:${string}` | typeof system): Promise<Notice> {
    const link = await createRevealLink(sql, id, at);
    const subject = `Migration request ${id}: the password of your archive`;
    const body = (url: string): string => `The password of your migration archive is behind this link. It works once, until ${link.expiresAt}:\n\n${url}\n\n` +
      'You can also see it in the portal when signed in (GET /api/requests/' + id + '/password). Keep it apart from the archive.\n';
    await recordNotices(sql, [{ to, subject, text: body('[one-time link: sent by e-mail only, not kept by the desk]') }], at);
    await appendAudit(sql, at, { actor, action: actor === system ? 'password.send' : 'password.resend', subject: `request:${id}`, details: { to, linkExpiresAt: link.expiresAt } });
    return { to, subject, text: body(`${this.publicUrl()}/api/password-reveals/${link.token}`) };
  }

  private async sendSecret(notice: Notice): Promise<boolean> {
    if (this.o.mailer) {
      try {
        await this.o.mailer.send({ to: notice.to, subject: notice.subject, text: notice.text });
        return true;
      } catch {
        return false;
      }
    }
    this.o.onSecretMail?.(notice);
    return false;
  }

  // The customer's side

  private async downloadableBuild(sql: Sql, principal: Principal, id: number): Promise<{ build: NonNullable<Awaited<ReturnType<typeof buildRow>>>; state: RequestState }> {
    const request = await visibleRequest(sql, principal, id);
    const build = await buildRow(sql, id);
    if (build?.purged_at || request.state === 'expired' || request.state === 'purged' || (build?.expires_at && new Date(build.expires_at) <= this.now())) {
      throw new RepatriateError('REPAT_DESK_GONE', `the archive of request ${id} is past its ${retentionDays}-day retention${build?.purged_at ? ` and was deleted on ${new Date(build.purged_at).toISOString()}` : ''}`, {
        hint: 'a further build can be ordered (POST /api/orders)',
      });
    }
    if (!build || !downloadable.includes(request.state)) {
      throw new RepatriateError('REPAT_DESK_STATE', `the archive of request ${id} is not ready (the request is ${request.state})`, { hint: 'follow the build in GET /api/requests/' + id });
    }
    return { build, state: request.state };
  }

  async passwordFor(principal: Principal, id: number): Promise<{ requestId: number; archiveId: string; password: string }> {
    if (principal.role !== 'customer') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'only the account\'s administrator may see the archive password', { hint: 'operators re-send the reveal link instead' });
    return this.o.store.transaction(async (sql) => {
      const { build } = await this.downloadableBuild(sql, principal, id);
      await appendAudit(sql, this.now(), { actor: `customer:${principal.login}@${principal.accountUrl}`, action: 'password.reveal', subject: `request:${id}`, details: { via: 'portal' } });
      return { requestId: id, archiveId: build.archive_id, password: (await this.o.key()).open(build.password_sealed, `request:${id}`) };
    });
  }

  async revealByLink(token: string): Promise<{ requestId: number; archiveId: string; password: string }> {
    return this.o.store.transaction(async (sql) => {
      const at = this.now();
      const id = await spendRevealLink(sql, token, at);
      const build = await buildRow(sql, id);
      if (!build || build.purged_at || (build.expires_at && new Date(build.expires_at) <= at)) throw new RepatriateError('REPAT_DESK_GONE', 'the archive this link belongs to is past its retention', { hint: 'a further build can be ordered' });
      await appendAudit(sql, at, { actor: 'public', action: 'password.reveal', subject: `request:${id}`, details: { via: 'link' } });
      return { requestId: id, archiveId: build.archive_id, password: (await this.o.key()).open(build.password_sealed, `request:${id}`) };
    });
  }

  /** The operator re-sends the reveal link (M11): a new link, audited; the operator never sees the password or the link. */
  async resendPassword(operator: Principal & { role: 'operator' }, id: number): Promise<{ requestId: number; to: string; sent: boolean; linkExpiresAt: string }> {
    const { notice, expiresAt } = await this.o.store.transaction(async (sql) => {
      const request = await visibleRequest(sql, operator, id, true);
      await this.downloadableBuild(sql, operator, id);
      if (!request.contactEmail) throw new RepatriateError('REPAT_DESK_CONFLICT', `request ${id} has no contact e-mail`, { hint: 'the customer reveals the password in the portal' });
      const n = await this.passwordMail(sql, id, request.contactEmail, this.now(), `operator:${operator.email}`);
      const [link] = await sql.query<{ expires_at: string }>('SELECT expires_at FROM reveal_links WHERE request_id = $1 ORDER BY created_at DESC LIMIT 1', [id]);
      return { notice: n, expiresAt: new Date(link!.expires_at).toISOString() };
    });
    return { requestId: id, to: notice.to, sent: await this.sendSecret(notice), linkExpiresAt: expiresAt };
  }

  /** A file of the request's archive for download: index.json or one of its volumes, whole or a span of it, from whichever store holds it. */
  async archiveFile(principal: Principal, id: number, name: string): Promise<{ size: number; open: (span?: ByteSpan) => Promise<Readable> }> {
    if (principal.role !== 'customer') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'only the account\'s administrator downloads its archive', { hint: 'operators never handle the archive' });
    const { build } = await this.o.store.transaction((sql) => this.downloadableBuild(sql, principal, id));
    const store = this.storeOf(build.store);
    const size = await store.size(build.archive_id, name);
    if (size === undefined) throw new RepatriateError('REPAT_DESK_NOT_FOUND', `the archive of request ${id} has no file ${name}`, { hint: `fetch ${indexName} first; it lists the volumes` });
    return { size, open: (span) => store.read(build.archive_id, name, span) };
  }

  /** The customer confirms the archive arrived whole: ready → downloaded (audited). */
  async confirmDownload(principal: Principal, id: number): Promise<{ id: number; state: RequestState }> {
    if (principal.role !== 'customer') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'only the account\'s administrator confirms the download', { hint: 'customers call this after `repatriate download`' });
    return this.o.store.transaction(async (sql) => {
      const { state } = await this.downloadableBuild(sql, principal, id);
      if (state === 'downloaded') return { id, state };
      const at = this.now();
      const next = transition(state, 'downloaded');
      await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [id, next, at.toISOString()]);
      await appendAudit(sql, at, { actor: `customer:${principal.login}@${principal.accountUrl}`, action: 'archive.downloaded', subject: `request:${id}`, details: { state: { from: state, to: next } } });
      return { id, state: next };
    });
  }

  /** M12: ready/downloaded archives past their retention → expired → purged, deleted from the local store, audited, the customer told. */
  private async purgeExpired(): Promise<number[]> {
    const at = this.now();
    const due = await this.o.store.query<{ id: number; out_dir: string; archive_id: string; store: string }>(
      "SELECT r.id, b.out_dir, b.archive_id, b.store FROM requests r JOIN builds b ON b.request_id = r.id WHERE r.state IN ('ready', 'downloaded', 'expired') AND b.expires_at <= $1 AND b.purged_at IS NULL ORDER BY r.id",
      [at.toISOString()],
    );
    const purged: number[] = [];
    for (const row of due) {
      // Every store that may hold a piece of it: the recorded store, and the working folder a build left behind.
      const objects = await this.storeOf(row.store).remove(row.archive_id);
      await rm(row.out_dir, { recursive: true, force: true });
      let ids: number[] = [];
      await this.o.store.transaction(async (sql) => {
        const [request] = await sql.query<{ state: RequestState; contact_email: string | null }>('SELECT state, contact_email FROM requests WHERE id = $1 FOR UPDATE', [row.id]);
        const expired = request!.state === 'expired' ? 'expired' : transition(request!.state, 'expired');
        const state = transition(expired, 'purged');
        await sql.query('UPDATE requests SET state = $2, updated_at = $3 WHERE id = $1', [row.id, state, at.toISOString()]);
        await sql.query("UPDATE builds SET stage = 'purged', purged_at = $2, updated_at = $2 WHERE request_id = $1", [row.id, at.toISOString()]);
        await retireRevealLinks(sql, row.id, at);
        await appendAudit(sql, at, { actor: system, action: 'archive.purge', subject: `request:${row.id}`, details: { state: { from: request!.state, to: state }, archiveId: row.archive_id, store: row.store, objects } });
        if (request!.contact_email) {
          ids = await recordNotices(sql, [{ to: request!.contact_email, subject: `Migration request ${row.id}: archive deleted`, text: `As announced, the archive ${row.archive_id} was deleted on ${at.toISOString()}, ${retentionDays} days after it was ready (M12).\n` }], at);
        }
      });
      await deliverNotices(this.o.store, this.o.mailer, ids, this.o.clock);
      purged.push(row.id);
    }
    return purged;
  }

  async status(sql: Sql, id: number): Promise<ReturnType<typeof toStatus> | null> {
    const row = await buildRow(sql, id);
    return row ? toStatus(row, this.now()) : null;
  }
}

import type { Sql } from './store/store.js';

/**
 * The build record behind a request (M7, M12): which archive, from which night, where it is,
 * how far it got, and when it stops being downloadable. Progress is written while the build
 * runs, so the request shows the stage, the bytes and an ETA.
 */
export const buildStages = ['queued', 'snapshot', 'rows', 'files', 'sealing', 'ready', 'failed', 'purged'] as const;
export type BuildStage = (typeof buildStages)[number];

export const retentionDays = 7;

export interface BuildStatus {
  readonly archiveId: string;
  readonly night: string;
  readonly stage: BuildStage;
  readonly bytesDone: number;
  readonly bytesTotal: number | null;
  readonly etaSeconds: number | null;
  readonly attempts: number;
  readonly failure: string | null;
  /** M8: the account rents numbers; the telephony hand-over follows the restore. */
  readonly telephonyHandover: string | null;
  readonly startedAt: string;
  readonly readyAt: string | null;
  readonly expiresAt: string | null;
  readonly deletedAt: string | null;
  readonly volumes: number | null;
  readonly bytes: number | null;
}

export interface BuildRow {
  request_id: number;
  archive_id: string;
  night: string;
  out_dir: string;
  password_sealed: string;
  stage: BuildStage;
  bytes_done: string | number;
  bytes_total: string | number | null;
  attempts: number;
  failure: string | null;
  telephony_handover: string | null;
  started_at: string;
  updated_at: string;
  ready_at: string | null;
  expires_at: string | null;
  purged_at: string | null;
  volumes: number | null;
  bytes: string | number | null;
  /** The archive store holding it: 'local' or 's3://bucket/prefix/'. */
  store: string;
}

const iso = (value: string | null): string | null => (value === null ? null : new Date(value).toISOString());

export async function buildRow(sql: Sql, requestId: number, lock = false): Promise<BuildRow | undefined> {
  const [row] = await sql.query<BuildRow>(`SELECT *, night::text AS night FROM builds WHERE request_id = $1${lock ? ' FOR UPDATE' : ''}`, [requestId]);
  return row;
}

export function toStatus(row: BuildRow, now: Date): BuildStatus {
  const done = Number(row.bytes_done);
  const total = row.bytes_total === null ? null : Number(row.bytes_total);
  const elapsed = (now.getTime() - new Date(row.started_at).getTime()) / 1000;
  const running = row.stage === 'rows' || row.stage === 'files' || row.stage === 'sealing';
  const eta = running && total !== null && done > 0 && elapsed > 0 ? Math.max(0, Math.round((total - done) / (done / elapsed))) : null;
  return {
    archiveId: row.archive_id, night: row.night, stage: row.stage, bytesDone: done, bytesTotal: total, etaSeconds: eta, attempts: row.attempts,
    failure: row.failure, telephonyHandover: row.telephony_handover, startedAt: new Date(row.started_at).toISOString(), readyAt: iso(row.ready_at),
    expiresAt: iso(row.expires_at), deletedAt: iso(row.purged_at), volumes: row.volumes, bytes: row.bytes === null ? null : Number(row.bytes),
  };
}

export async function buildStatusOf(sql: Sql, requestId: number, now: Date): Promise<BuildStatus | null> {
  const row = await buildRow(sql, requestId);
  return row ? toStatus(row, now) : null;
}

export async function recordProgress(sql: Sql, requestId: number, progress: { stage: BuildStage; bytesDone?: number; bytesTotal?: number }, at: Date): Promise<void> {
  await sql.query(
    `UPDATE builds SET stage = $2, bytes_done = COALESCE($3, bytes_done), bytes_total = COALESCE($4, bytes_total), updated_at = $5 WHERE request_id = $1`,
    [requestId, progress.stage, progress.bytesDone ?? null, progress.bytesTotal ?? null, at.toISOString()],
  );
}

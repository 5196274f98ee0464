import { RepatriateError } from '../core/errors.js';
import type { LicenseVerdict } from '../license/verdict.js';
import { verdictError } from '../license/verdict.js';
import type { Assessment } from './assessment/assess.js';
import { appendAudit, type Actor } from './audit.js';
import type { Principal } from './auth.js';
import { dayOf } from './clock.js';
import { formatPrice, paidOrderFor } from './orders.js';
import type { Sql } from './store/store.js';
import { isRequestState, transition, type RequestState } from './states.js';

/**
 * Migration requests (M2, M7): what the customer asks for and confirms, and how the request
 * moves from submission to a final date.
 */
export interface Confirmation {
  readonly termsVersion: string;
  readonly confirmedAt: string;
  readonly confirmedBy: string;
}

export interface MigrationRequest {
  readonly id: number;
  readonly accountUrl: string;
  readonly licenseId: string;
  readonly requestedDate: string;
  readonly finalDate: string | null;
  readonly state: RequestState;
  readonly build: 'free' | 'paid';
  readonly orderId: number | null;
  readonly confirmation: Confirmation;
  readonly flags: readonly string[];
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface RequestRow {
  id: number;
  account_url: string;
  license_id: string;
  requested_date: string;
  final_date: string | null;
  state: string;
  free_build: boolean;
  order_id: number | null;
  terms_version: string;
  confirmed_at: string;
  confirmed_by: string;
  contact_email: string | null;
  flags: string[];
  reason: string | null;
  created_at: string;
  updated_at: string;
}

const columns = 'id, account_url, license_id, requested_date::text AS requested_date, final_date::text AS final_date, state, free_build, order_id, terms_version, confirmed_at, confirmed_by, contact_email, flags, reason, created_at, updated_at';

function toRequest(r: RequestRow): MigrationRequest {
  if (!isRequestState(r.state)) throw new Error(`request ${r.id} has an unknown state ${r.state}`);
  return {
    id: r.id,
    accountUrl: r.account_url,
    licenseId: r.license_id,
    requestedDate: r.requested_date,
    finalDate: r.final_date,
    state: r.state,
    build: r.free_build ? 'free' : 'paid',
    orderId: r.order_id,
    confirmation: { termsVersion: r.terms_version, confirmedAt: new Date(r.confirmed_at).toISOString(), confirmedBy: r.confirmed_by },
    flags: r.flags,
    reason: r.reason,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export interface SubmitInput {
  readonly licenseKey: string;
  readonly requestedDate: string;
  readonly termsVersion: string;
  readonly acceptTerms: true;
}

export interface SubmitContext {
  readonly customer: Principal & { role: 'customer' };
  readonly verdict: LicenseVerdict;
  readonly assessment: Assessment;
  readonly currentTerms: string;
  readonly priceCents: number;
  readonly at: Date;
}

function notEligible(message: string, hint: string): RepatriateError {
  return new RepatriateError('REPAT_DESK_NOT_ELIGIBLE', message, { hint });
}

/** The earliest final date: the snapshot is of the night before, so the date must lie ahead. */
export function checkFutureDate(date: string, at: Date, what: string): void {
  const today = dayOf(at);
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new RepatriateError('REPAT_USAGE', `${what} ${date} is not a calendar date`, { hint: 'write it as YYYY-MM-DD' });
  }
  if (date <= today) throw notEligible(`${what} ${date} is not in the future (today is ${today})`, 'choose a date from tomorrow on: the archive is built from the nightly snapshot of the night before (M7)');
}

export async function submitRequest(sql: Sql, input: SubmitInput, ctx: SubmitContext): Promise<MigrationRequest> {
  const { customer, verdict, assessment, at } = ctx;
  const actor: Actor = `customer:${customer.login}@${customer.accountUrl}`;
  if (!verdict.valid) throw verdictError(verdict);
  if (input.termsVersion !== ctx.currentTerms) {
    throw notEligible(`the migration terms confirmed (${input.termsVersion}) are not the current ones (${ctx.currentTerms})`, 'read and confirm the current migration terms');
  }
  checkFutureDate(input.requestedDate, at, 'the requested date');
  if (assessment.autoRenewal.on) throw notEligible('the cloud subscription renews automatically', 'switch off auto-renewal of the cloud subscription first (M5)');
  if (!assessment.seats.ok) {
    throw new RepatriateError('REPAT_LICENSE_SEATS', `license ${verdict.license.id} has ${verdict.license.seats} seats; the account has ${assessment.seats.active} active users`, {
      hint: 'extranet and invited users count, deactivated ones do not (M4): buy more seats or deactivate users',
    });
  }
  const freeUsed = (await sql.query("SELECT 1 FROM requests WHERE account_url = $1 AND free_build AND state <> 'rejected'", [customer.accountUrl])).length > 0;
  const orderId = freeUsed ? await paidOrderFor(sql, customer.accountUrl) : null;
  if (freeUsed && orderId === null) {
    throw new RepatriateError('REPAT_DESK_PAYMENT_REQUIRED', `the free migration build of ${customer.accountUrl} is used; a further build needs a paid order (${formatPrice(ctx.priceCents)})`, {
      hint: 'order a further build (POST /api/orders); it can be requested once the vendor has recorded the payment (M1)',
    });
  }
  // draft → submitted (the confirmation) → checks (the automatic checks above passed): each step through the state machine.
  const state = transition(transition('draft', 'submitted'), 'checks');
  let row: RequestRow | undefined;
  try {
    [row] = await sql.query<RequestRow>(
      `INSERT INTO requests (account_url, license_id, requested_date, state, free_build, order_id, terms_version, confirmed_at, confirmed_by, contact_email, flags, assessment, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $8, $8) RETURNING ${columns}`,
      [customer.accountUrl, verdict.license.id, input.requestedDate, state, orderId === null, orderId, input.termsVersion, at.toISOString(), `${customer.login}`,
        customer.email, JSON.stringify(assessment.flags), JSON.stringify(assessment)],
    );
  } catch (error) {
    if (/ux_requests_free_build/.test(String((error as Error).message)) || (error as { constraint?: string }).constraint === 'ux_requests_free_build') {
      throw new RepatriateError('REPAT_DESK_PAYMENT_REQUIRED', `the free migration build of ${customer.accountUrl} is used; a further build needs a paid order`, { hint: 'order a further build (M1)' });
    }
    throw error;
  }
  const request = toRequest(row!);
  await appendAudit(sql, at, {
    actor, action: 'request.submit', subject: `request:${request.id}`,
    details: { state: { from: null, to: 'submitted' }, accountUrl: request.accountUrl, licenseId: request.licenseId, requestedDate: request.requestedDate, build: request.build, orderId, confirmation: request.confirmation },
  });
  await appendAudit(sql, at, { actor: 'public', action: 'request.checks', subject: `request:${request.id}`, details: { state: { from: 'submitted', to: 'checks' }, eligible: assessment.eligible, flags: assessment.flags, editionGapRows: assessment.editionGap.rows } });
  return request;
}

export interface QueueFilter {
  readonly state?: RequestState;
  readonly flag?: string;
  readonly accountUrl?: string;
}

export async function listRequests(sql: Sql, filter: QueueFilter): Promise<MigrationRequest[]> {
  const rows = await sql.query<RequestRow>(
    `SELECT ${columns} FROM requests
      WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR flags ? $2) AND ($3::text IS NULL OR account_url = $3)
      ORDER BY id`,
    [filter.state ?? null, filter.flag ?? null, filter.accountUrl ?? null],
  );
  return rows.map(toRequest);
}

/** A request the principal may see: operators see all, a customer only their account's (others are "not found"). */
export async function visibleRequest(sql: Sql, principal: Principal, id: number, lock = false): Promise<MigrationRequest & { contactEmail: string | null; assessment: Assessment }> {
  const [row] = await sql.query<RequestRow & { assessment: Assessment }>(`SELECT ${columns}, assessment FROM requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (!row || (principal.role === 'customer' && row.account_url !== principal.accountUrl)) {
    throw new RepatriateError('REPAT_DESK_NOT_FOUND', `no request ${id}`, { hint: principal.role === 'customer' ? 'list your requests with GET /api/requests' : 'list the queue with GET /api/operator/requests' });
  }
  return { ...toRequest(row), contactEmail: row.contact_email, assessment: row.assessment };
}

export type OperatorAction =
  | { readonly kind: 'approve'; readonly note?: string | undefined }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'schedule'; readonly finalDate: string };

/** One operator decision: the state machine validates it, the audit records what changed. */
export async function decide(sql: Sql, operator: Principal & { role: 'operator' }, id: number, action: OperatorAction, at: Date): Promise<{ before: MigrationRequest; after: MigrationRequest; contactEmail: string | null }> {
  const before = await visibleRequest(sql, operator, id, true);
  const target: RequestState = action.kind === 'approve' ? 'approved' : action.kind === 'reject' ? 'rejected' : 'scheduled';
  const state = transition(before.state, target);
  if (action.kind === 'schedule') checkFutureDate(action.finalDate, at, 'the final date');
  const [row] = await sql.query<RequestRow>(
    `UPDATE requests SET state = $2, updated_at = $3,
        final_date = CASE WHEN $4::date IS NULL THEN final_date ELSE $4::date END,
        reason = CASE WHEN $5::text IS NULL THEN reason ELSE $5 END,
        order_id = CASE WHEN $2 = 'rejected' THEN NULL ELSE order_id END
      WHERE id = $1 RETURNING ${columns}`,
    [id, state, at.toISOString(), action.kind === 'schedule' ? action.finalDate : null, action.kind === 'reject' ? action.reason : action.kind === 'approve' ? (action.note ?? null) : null],
  );
  const after = toRequest(row!);
  const changes: Record<string, unknown> = { state: { from: before.state, to: after.state } };
  if (action.kind === 'schedule') changes['finalDate'] = { from: before.finalDate, to: after.finalDate, requested: before.requestedDate };
  if (action.kind === 'reject') changes['reason'] = action.reason;
  if (action.kind === 'reject' && before.orderId !== null) changes['orderReleased'] = before.orderId;
  if (action.kind === 'approve' && action.note) changes['note'] = action.note;
  await appendAudit(sql, at, { actor: `operator:${operator.email}`, action: `request.${action.kind}`, subject: `request:${id}`, details: changes });
  return { before, after, contactEmail: before.contactEmail };
}

export interface Message {
  readonly id: number;
  readonly author: string;
  readonly role: 'customer' | 'operator';
  readonly body: string;
  readonly createdAt: string;
}

export async function listMessages(sql: Sql, requestId: number): Promise<Message[]> {
  const rows = await sql.query<{ id: number; author_role: 'customer' | 'operator'; author: string; body: string; created_at: string }>(
    'SELECT id, author_role, author, body, created_at FROM messages WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
  return rows.map((r) => ({ id: r.id, author: r.author, role: r.author_role, body: r.body, createdAt: new Date(r.created_at).toISOString() }));
}

export async function postMessage(sql: Sql, principal: Principal, requestId: number, body: string, at: Date): Promise<{ message: Message; request: MigrationRequest & { contactEmail: string | null } }> {
  const request = await visibleRequest(sql, principal, requestId);
  const author = principal.role === 'operator' ? principal.email : principal.login;
  const [row] = await sql.query<{ id: number }>('INSERT INTO messages (request_id, author_role, author, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id', [requestId, principal.role, author, body, at.toISOString()]);
  await appendAudit(sql, at, { actor: principal.role === 'operator' ? `operator:${principal.email}` : `customer:${principal.login}@${principal.accountUrl}`, action: 'message.post', subject: `request:${requestId}`, details: { messageId: row!.id, length: body.length } });
  return { message: { id: row!.id, author, role: principal.role, body, createdAt: at.toISOString() }, request };
}

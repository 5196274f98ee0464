import { z } from 'zod';
import { buildStages } from '../../workflow/builds.js';
import { requestStates } from '../../workflow/states.js';

/**
 * Request and response shapes of the desk API, written once in zod: Fastify validates with
 * their JSON Schema (and serialises responses through it, so a field not declared here never
 * leaves), handlers read the parsed values with their zod types.
 */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const accountUrl = z.string().min(8).max(255).regex(/^https?:\/\/[^/\s]+$/, 'an account address like https://acme.cloud.example');
const licenseKey = z.string().min(10).max(4096);
const text = (max: number) => z.string().min(1).max(max);

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }) });

export const idParams = z.strictObject({ id: z.string().regex(/^[1-9]\d{0,8}$/, 'a positive whole number below one billion') });
export const keyParams = z.strictObject({ key: licenseKey });

export const licenseCheck = z.object({
  valid: z.boolean(),
  problem: z.string().nullable(),
  message: z.string(),
  hint: z.string().nullable(),
  license: z.object({ id: z.string(), kind: z.string(), edition: z.string(), seats: z.number(), supportUntil: z.string() }).nullable(),
});

export const activationBody = z.strictObject({ installationUrl: z.string().min(1).max(255) });
export const registrationBody = z.strictObject({ owner: text(255), email: z.string().email().max(255) });
export const activationResult = z.object({ id: z.string(), activatedAt: z.string(), already: z.boolean() });
export const registrationResult = z.object({ id: z.string(), registeredAt: z.string(), already: z.boolean() });

export const customerSignIn = z.strictObject({ accountUrl, login: text(255), password: text(1024) });
export const operatorSignIn = z.strictObject({ email: z.string().email().max(255), password: text(1024) });
export const sessionResult = z.object({
  token: z.string(),
  expiresAt: z.string(),
  role: z.enum(['customer', 'operator']),
  accountUrl: z.string().optional(),
  login: z.string().optional(),
  email: z.string().nullable().optional(),
});
export const whoami = z.object({ role: z.enum(['customer', 'operator']), accountUrl: z.string().optional(), login: z.string().optional(), email: z.string().nullable().optional() });

export const assessmentBody = z.strictObject({ accountUrl, licenseKey });
const counts = z.record(z.string(), z.number());
export const assessmentResult = z.object({
  account: z.object({ address: z.string(), title: z.string(), cloudEdition: z.string(), status: z.string() }),
  license: licenseCheck,
  eligible: z.boolean(),
  problems: z.array(z.object({ rule: z.string(), code: z.string(), message: z.string(), hint: z.string() })),
  seats: z.object({ limit: z.number().nullable(), active: z.number(), counted: counts, notCounted: counts, ok: z.boolean() }),
  autoRenewal: z.object({ on: z.boolean(), ok: z.boolean() }),
  editionGap: z.object({
    edition: z.string().nullable(),
    rows: z.number(),
    modules: z.array(z.object({ module: z.string(), title: z.string(), rows: z.number(), tables: z.array(z.object({ table: z.string(), rows: z.number() })) })),
  }),
  telephony: z.object({ rentedNumbers: z.array(z.string()), flagged: z.boolean() }),
  estimate: z.object({
    rowBytes: z.number(), fileBytes: z.number(), kernelBytes: z.number(), archiveBytes: z.number(), buildSeconds: z.number(),
    promisedDays: z.object({ min: z.number(), max: z.number() }),
  }),
  flags: z.array(z.string()),
  assessedAt: z.string(),
});

export const termsResult = z.object({ version: z.string(), text: z.string().nullable() });

export const submitBody = z.strictObject({
  licenseKey,
  requestedDate: day,
  termsVersion: text(32),
  acceptTerms: z.literal(true),
});

export const requestResult = z.object({
  id: z.number(),
  accountUrl: z.string(),
  licenseId: z.string(),
  requestedDate: z.string(),
  finalDate: z.string().nullable(),
  state: z.enum(requestStates),
  build: z.enum(['free', 'paid']),
  orderId: z.number().nullable(),
  confirmation: z.object({ termsVersion: z.string(), confirmedAt: z.string(), confirmedBy: z.string() }),
  flags: z.array(z.string()),
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const messageResult = z.object({ id: z.number(), author: z.string(), role: z.enum(['customer', 'operator']), body: z.string(), createdAt: z.string() });
export const buildStatus = z.object({
  archiveId: z.string(),
  night: z.string(),
  stage: z.enum(buildStages),
  bytesDone: z.number(),
  bytesTotal: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  attempts: z.number(),
  failure: z.string().nullable(),
  telephonyHandover: z.string().nullable(),
  startedAt: z.string(),
  readyAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  volumes: z.number().nullable(),
  bytes: z.number().nullable(),
});
export const requestDetail = requestResult.extend({ assessment: assessmentResult, messages: z.array(messageResult), archive: buildStatus.nullable() });
export const revealedPassword = z.object({ requestId: z.number(), archiveId: z.string(), password: z.string() });
export const revealParams = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a reveal token') });
export const archiveFileParams = z.strictObject({ id: idParams.shape.id, file: z.string().regex(/^(index\.json|vol-\d{4}\.age)$/, 'index.json or vol-NNNN.age') });
export const archiveBytes = z.string().describe('the file\'s bytes (application/octet-stream); with Range: 206 and Content-Range');
export const passwordMailResult = z.object({ requestId: z.number(), to: z.string(), sent: z.boolean(), linkExpiresAt: z.string() });
/** For POST routes that need no input: an empty JSON object, so nothing unexpected slips in. */
export const emptyBody = z.strictObject({});
export const receiptResult = z.object({ id: z.number(), state: z.enum(requestStates) });
export const requestList = z.object({ requests: z.array(requestResult) });
export const queueQuery = z.strictObject({ state: z.enum(requestStates).optional(), flag: z.string().regex(/^[a-z-]{1,40}$/).optional() });

export const messageBody = z.strictObject({ body: text(10_000) });
export const approveBody = z.strictObject({ note: z.string().max(2000).optional() });
export const rejectBody = z.strictObject({ reason: text(2000) });
export const scheduleBody = z.strictObject({ finalDate: day });

export const orderResult = z.object({
  id: z.number(), accountUrl: z.string(), priceCents: z.number(), currency: z.string(), state: z.enum(['open', 'paid']),
  createdAt: z.string(), paidAt: z.string().nullable(), paymentReference: z.string().nullable(), requestId: z.number().nullable(),
});
export const orderList = z.object({ orders: z.array(orderResult) });
export const operatorOrderBody = z.strictObject({ accountUrl });
export const paymentBody = z.strictObject({ reference: text(255) });
export const ordersQuery = z.strictObject({ account: accountUrl.optional() });

export const auditQuery = z.strictObject({ subject: z.string().max(255).optional(), action: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(5000).optional() });
export const auditList = z.object({
  entries: z.array(z.object({ id: z.number(), at: z.string(), actor: z.string(), action: z.string(), subject: z.string(), details: z.record(z.string(), z.unknown()) })),
});
export const notificationList = z.object({
  mailConfigured: z.boolean(),
  notifications: z.array(z.object({ id: z.number(), to: z.string(), subject: z.string(), text: z.string(), createdAt: z.string(), sentAt: z.string().nullable(), error: z.string().nullable() })),
});

export const telephonyBody = z.strictObject({
  request: z.strictObject({
    v: z.literal(1),
    licenseKey,
    accountUrl,
    installationUrl: z.string().min(8).max(255).regex(/^https:\/\/[^\s]+$/, 'an https:// address'),
    numbers: z.array(z.string().regex(/^\+?[0-9]{4,20}$/, 'a phone number')).min(1).max(100),
    certificateSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits'),
    createdAt: z.string().min(10).max(40),
  }),
  publicKey: z.string().min(40).max(200),
  signature: z.string().min(80).max(200),
});
export const telephonyResult = z.object({
  id: z.number(), licenseId: z.string(), accountUrl: z.string(), installationUrl: z.string(), numbers: z.array(z.string()),
  certificateSha256: z.string(), signedAt: z.string(), state: z.literal('received'), receivedAt: z.string(),
});
export const telephonyCreated = z.object({ id: z.number(), state: z.literal('received') });
export const telephonyList = z.object({ requests: z.array(telephonyResult) });

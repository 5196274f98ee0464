/** The desk API's answers as the pages read them (src/server/desk/schemas.ts is the source of truth). */
export type RequestState =
  | 'draft' | 'submitted' | 'checks' | 'approved' | 'rejected' | 'scheduled' | 'frozen'
  | 'building' | 'failed' | 'ready' | 'downloaded' | 'expired' | 'purged';

export const requestStates: readonly RequestState[] = ['draft', 'submitted', 'checks', 'approved', 'rejected', 'scheduled', 'frozen', 'building', 'failed', 'ready', 'downloaded', 'expired', 'purged'];

export interface Who {
  role: 'customer' | 'operator';
  accountUrl?: string;
  login?: string;
  email?: string | null;
}

export interface LicenseCheck {
  valid: boolean;
  problem: string | null;
  message: string;
  hint: string | null;
  license: { id: string; kind: string; edition: string; seats: number; supportUntil: string } | null;
}

export interface Assessment {
  account: { address: string; title: string; cloudEdition: string; status: string };
  license: LicenseCheck;
  eligible: boolean;
  problems: { rule: string; code: string; message: string; hint: string }[];
  seats: { limit: number | null; active: number; counted: Record<string, number>; notCounted: Record<string, number>; ok: boolean };
  autoRenewal: { on: boolean; ok: boolean };
  editionGap: { edition: string | null; rows: number; modules: { module: string; title: string; rows: number; tables: { table: string; rows: number }[] }[] };
  telephony: { rentedNumbers: string[]; flagged: boolean };
  estimate: { rowBytes: number; fileBytes: number; kernelBytes: number; archiveBytes: number; buildSeconds: number; promisedDays: { min: number; max: number } };
  flags: string[];
  assessedAt: string;
}

export interface MigrationRequest {
  id: number;
  accountUrl: string;
  licenseId: string;
  requestedDate: string;
  finalDate: string | null;
  state: RequestState;
  build: 'free' | 'paid';
  orderId: number | null;
  confirmation: { termsVersion: string; confirmedAt: string; confirmedBy: string };
  flags: string[];
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BuildStatus {
  archiveId: string;
  night: string;
  stage: 'queued' | 'snapshot' | 'rows' | 'files' | 'sealing' | 'ready' | 'failed' | 'purged';
  bytesDone: number;
  bytesTotal: number | null;
  etaSeconds: number | null;
  attempts: number;
  failure: string | null;
  telephonyHandover: string | null;
  startedAt: string;
  readyAt: string | null;
  expiresAt: string | null;
  deletedAt: string | null;
  volumes: number | null;
  bytes: number | null;
}

export interface Message { id: number; author: string; role: 'customer' | 'operator'; body: string; createdAt: string }

export interface RequestDetail extends MigrationRequest {
  assessment: Assessment;
  messages: Message[];
  archive: BuildStatus | null;
}

export interface Order {
  id: number; accountUrl: string; priceCents: number; currency: string; state: 'open' | 'paid';
  createdAt: string; paidAt: string | null; paymentReference: string | null; requestId: number | null;
}

export interface AuditEntry { id: number; at: string; actor: string; action: string; subject: string; details: Record<string, unknown> }

/** Build stages in progress, in order; the portal and the desk show which one a build is in. */
export const activeStates: readonly RequestState[] = ['frozen', 'building', 'failed'];

/**
 * One catalogue of errors: a stable code, a message "what failed: why", a hint naming the fix.
 * The CLI maps each code to an exit code; docs/errors.md lists them.
 */
export const errorCodes = {
  REPAT_USAGE: { exit: 2, summary: 'invalid arguments or option values' },
  REPAT_CLOUD_MISSING: { exit: 3, summary: 'no reference cloud in REPATRIATE_HOME' },
  REPAT_CLOUD_EXISTS: { exit: 3, summary: 'a reference cloud already exists in REPATRIATE_HOME' },
  REPAT_ACCOUNT_UNKNOWN: { exit: 4, summary: 'no account with that address' },
  REPAT_SNAPSHOT_EXISTS: { exit: 5, summary: 'a snapshot of that night already exists' },
  REPAT_SNAPSHOT_MISSING: { exit: 5, summary: 'no snapshot of that night' },
  REPAT_DB_UNREACHABLE: { exit: 6, summary: 'the database server does not answer' },
  REPAT_MANIFEST_INVALID: { exit: 8, summary: 'the migration manifest is malformed or does not fit the on-premise release' },
  REPAT_UNCLASSIFIED: { exit: 8, summary: 'a table or column the manifest does not classify (fail closed)' },
  REPAT_KERNEL_MISSING: { exit: 8, summary: 'no kernel release matches the module versions of the account' },
  REPAT_OUTPUT_NOT_EMPTY: { exit: 9, summary: 'the output folder holds something that is not this build' },
  REPAT_NO_SPACE: { exit: 9, summary: 'the disk is full' },
  REPAT_ARCHIVE_SIGNATURE: { exit: 10, summary: 'the archive index is not signed by a trusted vendor key' },
  REPAT_ARCHIVE_INDEX_INVALID: { exit: 10, summary: 'the archive index is missing or malformed' },
  REPAT_ARCHIVE_VERSION: { exit: 10, summary: 'the archive format version is unknown to this repatriate' },
  REPAT_ARCHIVE_VOLUME_MISSING: { exit: 11, summary: 'a volume of the archive is missing' },
  REPAT_ARCHIVE_TRUNCATED: { exit: 11, summary: 'a volume is shorter than the index says' },
  REPAT_ARCHIVE_HASH_MISMATCH: { exit: 12, summary: 'a volume or member does not match its recorded SHA-256' },
  REPAT_ARCHIVE_CONTENTS: { exit: 12, summary: 'the archive contents do not match contents.json' },
  REPAT_PASSWORD_WRONG: { exit: 13, summary: 'the password does not open the archive' },
  REPAT_MAIL_FAILED: { exit: 14, summary: 'the SMTP server refused or could not be reached' },
  REPAT_LICENSE_INVALID: { exit: 20, summary: 'the license key is malformed, not signed by the vendor, or not an on-premise key' },
  REPAT_LICENSE_EXPIRED: { exit: 20, summary: 'the license subscription for updates and support has ended' },
  REPAT_LICENSE_SEATS: { exit: 21, summary: 'the license has fewer seats than the account has active users' },
  REPAT_LICENSE_UNREGISTERED: { exit: 30, summary: 'the license key is not activated or not registered in the vendor\'s registry' },
  REPAT_DESK_NOT_ELIGIBLE: { exit: 31, summary: 'the account cannot be migrated as asked (auto-renewal on, too few seats, date in the past)' },
  REPAT_DESK_AUTH: { exit: 32, summary: 'wrong login or password, or the session is missing or expired' },
  REPAT_DESK_FORBIDDEN: { exit: 33, summary: 'the signed-in user may not do that' },
  REPAT_DESK_NOT_FOUND: { exit: 34, summary: 'no such request, order, operator or license on the desk' },
  REPAT_DESK_STATE: { exit: 35, summary: 'the request cannot move from its current state that way' },
  REPAT_DESK_PAYMENT_REQUIRED: { exit: 36, summary: 'the free migration build is used; a further build needs a paid order' },
  REPAT_DESK_CONFLICT: { exit: 37, summary: 'that already exists on the desk (operator, registration, payment)' },
  REPAT_SIGNATURE_INVALID: { exit: 38, summary: 'a signed request does not verify' },
  REPAT_DESK_GONE: { exit: 50, summary: 'the archive is past its 7-day retention or deleted' },
  REPAT_DESK_RANGE: { exit: 51, summary: 'the requested byte range lies outside the file' },
  REPAT_DESK_BUILD_FAILED: { exit: 52, summary: 'the build of a request failed; it is retried from its journal' },
  REPAT_DESK_KEY: { exit: 53, summary: 'the desk server key is unreadable or malformed' },
  REPAT_DOWNLOAD_FAILED: { exit: 54, summary: 'the download did not complete' },
  REPAT_ARCHIVE_STORE: { exit: 55, summary: 'the archive store (local folder or S3 bucket) failed or is not configured' },
  REPAT_JOBS: { exit: 56, summary: 'the job queue (pg-boss) is unavailable or misconfigured' },
  REPAT_TARGET_NOT_EMPTY: { exit: 22, summary: 'the target database or data directory is not empty' },
  REPAT_TARGET_UNSUPPORTED: { exit: 23, summary: 'the target environment cannot hold the archive' },
  REPAT_ONPREM_NOT_RESTORED: { exit: 40, summary: 'the database or data directory is not a restored installation' },
  REPAT_ONPREM_TASK_UNKNOWN: { exit: 41, summary: 'no post-migration task, user, channel or site with that id' },
  REPAT_ONPREM_BLOCKED: { exit: 42, summary: 'the post-migration task cannot run yet: another step must come first' },
  REPAT_SIGN_IN_FAILED: { exit: 43, summary: 'wrong login or password, or the user has not set a password yet' },
  REPAT_RESET_LINK_INVALID: { exit: 44, summary: 'the password reset link is unknown, used already, or expired' },
  REPAT_ONPREM_ADDRESS_MISMATCH: { exit: 45, summary: 'the address given as the old one is not the one the installation holds' },
  REPAT_TLS_INVALID: { exit: 46, summary: 'the certificate or key is malformed, does not match, has expired, or does not name the host' },
  REPAT_ONPREM_UNREACHABLE: { exit: 47, summary: 'a server the assistant must reach does not answer (push server, vendor desk, ACME)' },
  REPAT_ONPREM_UPDATE_FAILED: { exit: 48, summary: 'the update feed is malformed or an update step failed' },
  REPAT_INTERNAL: { exit: 70, summary: 'unexpected internal error' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class RepatriateError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RepatriateError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return errorCodes[this.code].exit;
  }
}

export function usageError(message: string, hint?: string): RepatriateError {
  return new RepatriateError('REPAT_USAGE', message, hint === undefined ? {} : { hint });
}

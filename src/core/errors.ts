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

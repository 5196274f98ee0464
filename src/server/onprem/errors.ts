import type { FastifyError, FastifyInstance } from 'fastify';
import { RepatriateError, type ErrorCode } from '../../core/errors.js';
import { HttpError } from '../http.js';

/**
 * The assistant's routes answer in the shape of every repatriate API (`{ error: { code, message,
 * hint } }`), with statuses that say what happened: 401 for a failed sign-in, 410 for a spent or
 * expired reset link, 404 for an unknown task or id, 409 for a step that must wait.
 */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  REPAT_USAGE: 400,
  REPAT_SIGN_IN_FAILED: 401,
  REPAT_RESET_LINK_INVALID: 410,
  REPAT_ONPREM_TASK_UNKNOWN: 404,
  REPAT_ONPREM_BLOCKED: 409,
  REPAT_ONPREM_ADDRESS_MISMATCH: 409,
  REPAT_TLS_INVALID: 422,
  REPAT_ONPREM_UNREACHABLE: 502,
  REPAT_MAIL_FAILED: 502,
  REPAT_ONPREM_UPDATE_FAILED: 500,
  REPAT_DB_UNREACHABLE: 503,
};

export function onpremErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | RepatriateError | HttpError, _request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
    }
    if (error instanceof RepatriateError) {
      const status = statusByCode[error.code] ?? (error.code === 'REPAT_INTERNAL' ? 500 : 409);
      return reply.status(status).send({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
    }
    if ('validation' in error && error.validation) {
      return reply.status(400).send({ error: { code: 'REPAT_USAGE', message: `invalid request: ${error.message}`, hint: 'the OpenAPI document lists every field' } });
    }
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    // An unexpected error may carry anything (even SQL with values): only a generic message leaves.
    return reply.status(status).send({ error: { code: status === 500 ? 'REPAT_INTERNAL' : 'REPAT_HTTP', message: status === 500 ? 'internal error' : error.message } });
  });
}

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { RepatriateError, type ErrorCode } from '../core/errors.js';

/**
 * The base every repatriate HTTP app starts from: JSON errors in the CLI's shape
 * (`{ error: { code, message, hint } }`), catalogue codes mapped to HTTP statuses, request logging
 * off by default (a log must never hold a secret; routes log what they mean to).
 */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  REPAT_USAGE: 400,
  REPAT_ACCOUNT_UNKNOWN: 404,
  REPAT_LICENSE_INVALID: 422,
  REPAT_LICENSE_EXPIRED: 422,
  REPAT_LICENSE_SEATS: 422,
  REPAT_MAIL_FAILED: 502,
  REPAT_DB_UNREACHABLE: 503,
};

/** An error the HTTP layer should answer with a specific status (401, 403, 404, 409, 410 …). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpAppOptions extends FastifyServerOptions {
  /** Serve HTTPS with this key and certificate (PEM; the chain after the certificate). */
  readonly https?: { readonly key: string; readonly cert: string };
}

export function createHttpApp(options: HttpAppOptions = {}): FastifyInstance {
  // Routes, hooks and inject() are the same on an HTTPS instance; only the server type differs.
  const app = Fastify({ logger: false, ...options }) as unknown as FastifyInstance;
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
    }
    if (error instanceof RepatriateError) {
      const status = statusByCode[error.code] ?? (error.code === 'REPAT_INTERNAL' ? 500 : 409);
      return reply.status(status).send({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
    }
    const fastifyError = error as { validation?: unknown; statusCode?: number; message: string };
    if (fastifyError.validation) {
      return reply.status(400).send({ error: { code: 'REPAT_USAGE', message: `invalid request: ${fastifyError.message}` } });
    }
    const status = fastifyError.statusCode && fastifyError.statusCode < 500 ? fastifyError.statusCode : 500;
    return reply.status(status).send({ error: { code: status === 500 ? 'REPAT_INTERNAL' : 'REPAT_HTTP', message: status === 500 ? 'internal error' : fastifyError.message } });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: { code: 'REPAT_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }));
  return app;
}

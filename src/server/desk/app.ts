import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { RepatriateError, type ErrorCode } from '../../core/errors.js';
import type { Desk } from '../../workflow/desk.js';
import { createHttpApp } from '../http.js';
import { serveWeb } from '../web.js';
import { archiveRoutes } from './archive-routes.js';
import { customerRoutes } from './customer-routes.js';
import { operatorRoutes } from './operator-routes.js';
import { publicRoutes } from './public-routes.js';

/**
 * The vendor desk's HTTP API: public routes (license check, sign-in, telephony requests),
 * customer routes (their account's requests, messages, orders) and operator routes (queue,
 * decisions, payments, audit), each group a plugin. OpenAPI at /api/openapi.json.
 */
export interface DeskAppOptions {
  readonly desk: Desk;
  /** Mark the session cookie Secure (default true; browsers keep Secure cookies on http://localhost too). */
  readonly secureCookies?: boolean;
}

const deskStatus: Partial<Record<ErrorCode, number>> = {
  REPAT_DESK_AUTH: 401,
  REPAT_DESK_FORBIDDEN: 403,
  REPAT_DESK_NOT_FOUND: 404,
  REPAT_DESK_STATE: 409,
  REPAT_DESK_CONFLICT: 409,
  REPAT_DESK_PAYMENT_REQUIRED: 402,
  REPAT_DESK_NOT_ELIGIBLE: 422,
  REPAT_LICENSE_UNREGISTERED: 422,
  REPAT_SIGNATURE_INVALID: 422,
  REPAT_DESK_GONE: 410,
  REPAT_DESK_RANGE: 416,
  REPAT_ACCOUNT_UNKNOWN: 404,
  // The desk serves a cloud; without it the service, not the request, is at fault.
  REPAT_CLOUD_MISSING: 503,
};

export async function buildDeskApp(options: DeskAppOptions): Promise<FastifyInstance> {
  // License keys travel in the path of the public check (Fastify's default cap is 100 characters);
  // unknown fields are refused with a 400 instead of being silently dropped.
  const app = createHttpApp({ bodyLimit: 256 * 1024, routerOptions: { maxParamLength: 4096 }, ajv: { customOptions: { removeAdditional: false } } });
  const base = app.errorHandler;
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'repatriate vendor desk', version: '0.1.0', description: 'Licenses, assessments, migration requests, operators, orders and the audit trail (M1–M7, M13, B2, P10).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'repat_session' } } },
    },
  });
  const secure = options.secureCookies ?? true;
  // The desk's routes live in one child context with its own error handler: desk codes get their statuses, the rest goes to the base.
  await app.register(async (api) => {
    api.setErrorHandler((error, request, reply) => {
      if (error instanceof RepatriateError && deskStatus[error.code]) {
        return reply.status(deskStatus[error.code]!).send({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
      }
      if (error instanceof ZodError) {
        return reply.status(400).send({ error: { code: 'REPAT_USAGE', message: `invalid request: ${error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` } });
      }
      return base.call(app, error, request, reply);
    });
    await api.register(publicRoutes, { desk: options.desk, secureCookies: secure });
    await api.register(customerRoutes, { desk: options.desk });
    await api.register(operatorRoutes, { desk: options.desk, secureCookies: secure });
    await api.register(archiveRoutes, { desk: options.desk });
  });
  const document = { schema: { hide: true } };
  app.get('/api/openapi.json', document, async () => app.swagger());
  app.get('/openapi.json', document, async () => app.swagger());
  // The customer portal and the operator desk (web/), same origin as the API.
  await serveWeb(app, 'desk');
  return app;
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readChallenge } from '../../postmigrate/acme.js';
import type { Installation } from '../../postmigrate/installation.js';
import { redeemResetLink, signIn } from '../../postmigrate/passwords.js';
import { HttpError } from '../http.js';
import { errors, jsonSchema } from './schemas.js';

/**
 * Routes anyone may call: the installation's own sign-in, redeeming a reset link, and the
 * ACME HTTP-01 answers. None of them says whether a login exists or echoes a secret.
 */
const signInBody = z.object({ login: z.string().min(1).max(255), password: z.string().min(1).max(1024) });
const resetBody = z.object({ token: z.string().min(16).max(256), password: z.string().min(1).max(1024) });

export function publicRoutes(inst: Installation) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/api/onprem/sign-in', {
      schema: {
        summary: 'sign in with login and password (P1: proves users can log in again)',
        body: jsonSchema(signInBody),
        response: { 200: jsonSchema(z.object({ userId: z.number(), login: z.string() })), ...errors },
      },
    }, async (request) => {
      const body = signInBody.parse(request.body);
      return signIn(inst, body.login, body.password);
    });

    app.post('/api/onprem/password-reset', {
      schema: {
        summary: 'set a new password with the token of a reset link (works once, until it expires)',
        body: jsonSchema(resetBody),
        response: { 200: jsonSchema(z.object({ login: z.string() })), ...errors },
      },
    }, async (request) => {
      const body = resetBody.parse(request.body);
      return redeemResetLink(inst, body.token, body.password);
    });

    // The reset links of the mails (P1) point here; the assistant's page takes them as `#/reset/<token>`,
    // so the token stays in the browser (a fragment is never sent to a server or in a Referer).
    app.get('/reset-password', {
      schema: {
        summary: 'where a mailed reset link lands: redirects to the page that sets the new password',
        querystring: jsonSchema(z.object({ token: z.string().max(256).optional() })),
        response: { 302: { type: 'null' } },
      },
    }, async (request, reply) => {
      const { token } = request.query as { token?: string };
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(token ? `/#/reset/${encodeURIComponent(token)}` : '/#/sign-in', 302);
    });

    app.get('/.well-known/acme-challenge/:token', {
      schema: {
        summary: 'ACME HTTP-01 challenge answers (R5, Let\'s Encrypt)',
        params: jsonSchema(z.object({ token: z.string() })),
        response: { 200: { type: 'string' }, 404: errors[404] },
      },
    }, async (request, reply) => {
      const { token } = request.params as { token: string };
      const answer = await readChallenge(inst.dataDir, token);
      if (answer === undefined) throw new HttpError(404, 'REPAT_NOT_FOUND', 'no pending ACME challenge with that token');
      return reply.type('text/plain').send(answer);
    });
  };
}

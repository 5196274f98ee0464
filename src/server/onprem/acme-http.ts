import type { FastifyInstance } from 'fastify';
import { readChallenge } from '../../postmigrate/acme.js';
import { createHttpApp, HttpError } from '../http.js';

/**
 * The installation's plain-HTTP side (port 80): the ACME HTTP-01 answers Let's Encrypt fetches
 * (R5), and a redirect to HTTPS for everything else. It reads the challenge files only, never the
 * database, so it runs beside the HTTPS app without a second connection.
 */
export function buildAcmeHttpApp(dataDir: string, httpsPort: number): FastifyInstance {
  const app = createHttpApp();
  app.get('/.well-known/acme-challenge/:token', async (request, reply) => {
    const answer = await readChallenge(dataDir, (request.params as { token: string }).token);
    if (answer === undefined) throw new HttpError(404, 'REPAT_NOT_FOUND', 'no pending ACME challenge with that token');
    return reply.type('text/plain').send(answer);
  });
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    handler: async (request, reply) => {
      const host = (request.headers.host ?? 'localhost').replace(/:\d+$/, '');
      return reply.redirect(`https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${request.url}`, 308);
    },
  });
  return app;
}

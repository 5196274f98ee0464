import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { openInstallation, type Clock } from '../../postmigrate/installation.js';
import { ensureCertificate, type InstalledCertificate, type TlsTrust } from '../../postmigrate/tls.js';
import { createHttpApp } from '../http.js';
import { serveWeb } from '../web.js';
import { onpremErrors } from './errors.js';
import { publicRoutes } from './public.js';
import { adminRoutes } from './tasks.js';

/**
 * The on-premise assistant's HTTP API (`repatriate serve --onprem`): the installation's own
 * sign-in and reset-link routes, the ACME HTTP-01 answers, and — behind the administrator's
 * token — the checklist and every task's actions. The installation is opened once and closed
 * with the app.
 */
export interface OnpremAppOptions {
  /** What `--db` takes: postgres://…, mysql://…, or the embedded database folder. */
  readonly db: string;
  readonly dataDir: string;
  /** The administrator's bearer token for the task routes. */
  readonly adminToken: string;
  readonly clock?: Clock;
  /** Roots to trust beside Node's when judging certificates (a company CA). */
  readonly trust?: TlsTrust;
  /** Serve HTTPS with the installation's certificate (self-signed until R5 installs another). */
  readonly tls?: boolean;
}

export async function buildOnpremApp(options: OnpremAppOptions): Promise<FastifyInstance> {
  const inst = await openInstallation({ db: options.db, dataDir: options.dataDir, ...(options.clock ? { clock: options.clock } : {}) });
  let certificate: InstalledCertificate;
  try {
    // The installation serves HTTPS from its first start: a self-signed certificate until R5 replaces it.
    certificate = await ensureCertificate(inst);
  } catch (error) {
    await inst.db.close();
    throw error;
  }
  // A certificate R5 installs later is served after a restart of `serve --onprem`.
  const app = createHttpApp(options.tls ? { https: { key: certificate.key, cert: certificate.cert + certificate.chain } } : {});
  app.addHook('onClose', async () => inst.db.close());
  await app.register(swagger, {
    openapi: {
      info: { title: 'repatriate on-premise assistant', version: '1', description: 'The tasks after a restore (P1–P11, R5): docs/onprem-assistant.md' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.get('/api/onprem/openapi.json', { schema: { summary: 'this API as an OpenAPI document', response: { 200: { type: 'object', additionalProperties: true } } } }, async () => app.swagger());
  await app.register(async (scope) => {
    onpremErrors(scope);
    await scope.register(publicRoutes(inst));
    await scope.register(adminRoutes(inst, { adminToken: options.adminToken, ...(options.trust ? { trust: options.trust } : {}) }));
  });
  await serveWeb(app, 'assistant');
  return app;
}

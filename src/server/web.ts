import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The web UI (built by Vite from `web/` into `dist/web`) served from the same origin as the
 * API: `/` answers the page's HTML, `/assets/…` its scripts and styles. The UI talks only to
 * the HTTP API beside it.
 */
export type WebPage = 'desk' | 'assistant';

/** `dist/web` of this package, whether the code runs from `dist/` or from `src/` under tsx. */
export function webRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'web');
}

export async function serveWeb(app: FastifyInstance, page: WebPage, root = webRoot()): Promise<void> {
  const html = `${page}.html`;
  const built = existsSync(join(root, html));
  if (built) await app.register(fastifyStatic, { root: join(root, 'assets'), prefix: '/assets/', index: false, immutable: true, maxAge: '365d' });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (!built) return reply.status(503).type('text/plain; charset=utf-8').send('The web UI is not built: run `npm run build`, then restart `repatriate serve`.\n');
    return reply.header('cache-control', 'no-cache').sendFile(html, root);
  });
}

import type { FastifyInstance } from 'fastify';
import { RepatriateError } from '../../core/errors.js';
import type { Desk } from '../../workflow/desk.js';
import { customerOf, operatorOf } from './auth.js';
import { routeSchema } from './route-schema.js';
import * as s from './schemas.js';

/**
 * The archive behind a request (M11, M12): the password by the one-time link or in the portal,
 * the operator's re-send, and the download of index.json and the volumes with HTTP Range.
 */
export type ByteRange = { readonly start: number; readonly end: number };

/**
 * One range of `bytes=a-b`, `bytes=a-` or `bytes=-n` within a file of `size` bytes; undefined
 * for a header this server ignores (RFC 9110: answer the whole file); 416 when unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw new RepatriateError('REPAT_DESK_RANGE', `the range ${header} lies outside the file of ${size} bytes`, { hint: `ask for bytes between 0 and ${size - 1}` });
  }
  return { start, end };
}

export async function archiveRoutes(app: FastifyInstance, options: { desk: Desk }): Promise<void> {
  const { desk } = options;
  const gone = { 410: s.errorBody };
  const id = (request: { params: unknown }): number => Number(s.idParams.parse(request.params).id);

  app.get('/api/requests/:id/password', {
    schema: routeSchema({ summary: "The archive's password, for the signed-in administrator once the archive is ready (M11); audited", tags: ['customer'], auth: true, params: s.idParams, response: { 200: s.revealedPassword, ...gone } }),
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return desk.archives.passwordFor(await customerOf(desk, request), id(request));
  });

  // GET, so the link in the e-mail opens in a browser; it works once, then answers 410.
  app.get('/api/password-reveals/:token', {
    schema: routeSchema({ summary: 'Reveal the archive password with the one-time link from the e-mail (M11)', tags: ['customer'], params: s.revealParams, response: { 200: s.revealedPassword, ...gone } }),
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return desk.archives.revealByLink(s.revealParams.parse(request.params).token);
  });

  app.post('/api/operator/requests/:id/password-mail', {
    schema: routeSchema({ summary: 'Send the customer a new one-time reveal link (M11); the operator never sees the password; audited', tags: ['operator'], auth: true, params: s.idParams, body: s.emptyBody, response: { 200: s.passwordMailResult, ...gone } }),
  }, async (request) => desk.archives.resendPassword(await operatorOf(desk, request), id(request)));

  app.get('/api/requests/:id/archive/:file', {
    schema: routeSchema({
      summary: "Download index.json or a volume of the request's archive (M12); supports Range for resumed and parallel downloads; 410 after the retention",
      tags: ['customer'], auth: true, params: s.archiveFileParams, response: { 200: s.archiveBytes, 206: s.archiveBytes, ...gone, 416: s.errorBody },
    }),
  }, async (request, reply) => {
    const params = s.archiveFileParams.parse(request.params);
    const { size, open } = await desk.archives.archiveFile(await customerOf(desk, request), Number(params.id), params.file);
    reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
    reply.type(params.file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    let range: ByteRange | undefined;
    try {
      range = parseRange(request.headers.range, size);
    } catch (error) {
      reply.header('content-range', `bytes */${size}`);
      throw error;
    }
    if (!range) {
      reply.header('content-length', size);
      return reply.send(await open());
    }
    reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
    return reply.send(await open(range));
  });

  app.post('/api/requests/:id/archive/receipt', {
    schema: routeSchema({ summary: 'Confirm the archive arrived whole and verified: ready → downloaded', tags: ['customer'], auth: true, params: s.idParams, body: s.emptyBody, response: { 200: s.receiptResult, ...gone } }),
  }, async (request) => desk.archives.confirmDownload(await customerOf(desk, request), id(request)));
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { RepatriateError } from '../../core/errors.js';
import type { Desk, Principal } from '../../workflow/desk.js';

/**
 * Who is calling: a session token from the `Authorization: Bearer` header or the session
 * cookie. Only the token's SHA-256 is stored; the token itself lives in the client.
 */
export const sessionCookie = 'repat_session';

export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header.trim());
    if (!match) throw new RepatriateError('REPAT_DESK_AUTH', 'the Authorization header is not a bearer token', { hint: 'send Authorization: Bearer <token from sign-in>' });
    return match[1];
  }
  const cookie = request.cookies[sessionCookie];
  return cookie && /^[A-Za-z0-9_-]{20,200}$/.test(cookie) ? cookie : undefined;
}

export async function principalOf(desk: Desk, request: FastifyRequest): Promise<Principal> {
  const token = tokenOf(request);
  if (!token) throw new RepatriateError('REPAT_DESK_AUTH', 'not signed in', { hint: 'sign in first: POST /api/sessions (customers) or POST /api/operator/sessions (operators)' });
  return desk.principal(token);
}

export async function operatorOf(desk: Desk, request: FastifyRequest): Promise<Principal & { role: 'operator' }> {
  const principal = await principalOf(desk, request);
  if (principal.role !== 'operator') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'this is an operator route', { hint: 'customers use the /api/requests and /api/orders routes' });
  return principal;
}

export async function customerOf(desk: Desk, request: FastifyRequest): Promise<Principal & { role: 'customer' }> {
  const principal = await principalOf(desk, request);
  if (principal.role !== 'customer') throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'this is a customer route', { hint: 'operators use the /api/operator routes' });
  return principal;
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: string, secure: boolean): void {
  reply.setCookie(sessionCookie, token, { httpOnly: true, secure, sameSite: 'strict', path: '/api', expires: new Date(expiresAt) });
}

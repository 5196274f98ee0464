import type { FastifyInstance } from 'fastify';
import { RepatriateError } from '../../core/errors.js';
import type { Desk } from '../../workflow/desk.js';
import { termsText } from '../../workflow/terms.js';
import { principalOf, sessionCookie, setSessionCookie, tokenOf } from './auth.js';
import { routeSchema } from './route-schema.js';
import * as s from './schemas.js';

/** Routes anyone may call: the public license check (M3), sign-in, the assessment for the signed-in, telephony requests (P10). */
export async function publicRoutes(app: FastifyInstance, options: { desk: Desk; secureCookies: boolean }): Promise<void> {
  const { desk } = options;

  app.get('/api/licenses/:key/check', {
    schema: routeSchema({ summary: 'Is this license key valid for a migration? (M3) — never says whose it is', tags: ['licenses'], params: s.keyParams, response: { 200: s.licenseCheck } }),
  }, async (request) => desk.checkLicense(s.keyParams.parse(request.params).key));

  app.post('/api/licenses/:key/activation', {
    schema: routeSchema({ summary: 'Activate a license key on an installation (M3); the key is the proof', tags: ['licenses'], params: s.keyParams, body: s.activationBody, response: { 200: s.activationResult } }),
  }, async (request) => {
    const { key } = s.keyParams.parse(request.params);
    const body = s.activationBody.parse(request.body);
    return desk.activateLicense(key, body.installationUrl, `installation:${body.installationUrl}`);
  });

  app.post('/api/licenses/:key/registration', {
    schema: routeSchema({ summary: 'Register a license key to its owner (M3)', tags: ['licenses'], params: s.keyParams, body: s.registrationBody, response: { 200: s.registrationResult } }),
  }, async (request) => {
    const { key } = s.keyParams.parse(request.params);
    const body = s.registrationBody.parse(request.body);
    return desk.registerLicense(key, { name: body.owner, email: body.email }, 'public');
  });

  app.get('/api/terms', {
    schema: routeSchema({ summary: 'The current migration terms, in full: what the request confirms (M2)', tags: ['requests'], response: { 200: s.termsResult } }),
  }, async () => ({ version: desk.termsVersion, text: termsText(desk.termsVersion) ?? null }));

  app.post('/api/sessions', {
    schema: routeSchema({ summary: 'Sign in as the administrator of a cloud account, with the cloud login (M2)', tags: ['sessions'], body: s.customerSignIn, response: { 201: s.sessionResult } }),
  }, async (request, reply) => {
    const body = s.customerSignIn.parse(request.body);
    const session = await desk.signInCustomer(body.accountUrl, body.login, body.password);
    setSessionCookie(reply, session.token, session.expiresAt, options.secureCookies);
    const p = session.principal;
    reply.status(201);
    return { token: session.token, expiresAt: session.expiresAt, role: p.role, ...(p.role === 'customer' ? { accountUrl: p.accountUrl, login: p.login, email: p.email } : {}) };
  });

  app.get('/api/session', {
    schema: routeSchema({ summary: 'Who is signed in', tags: ['sessions'], auth: true, response: { 200: s.whoami } }),
  }, async (request) => {
    const p = await principalOf(desk, request);
    return p.role === 'customer' ? { role: p.role, accountUrl: p.accountUrl, login: p.login, email: p.email } : { role: p.role, email: p.email };
  });

  app.delete('/api/session', {
    schema: routeSchema({ summary: 'Sign out', tags: ['sessions'], auth: true, response: { 204: s.whoami.partial() } }),
  }, async (request, reply) => {
    const token = tokenOf(request);
    if (token) await desk.signOut(token);
    reply.clearCookie(sessionCookie, { path: '/api' });
    return reply.status(204).send();
  });

  app.post('/api/assessments', {
    schema: routeSchema({
      summary: 'Assess an account against a license in seconds: seats, auto-renewal, edition gap, rented numbers, size and time (B2); customers for their account, operators for any',
      tags: ['assessments'], auth: true, body: s.assessmentBody, response: { 200: s.assessmentResult },
    }),
  }, async (request) => {
    const body = s.assessmentBody.parse(request.body);
    const principal = await principalOf(desk, request);
    const account = principal.role === 'customer' ? principal.accountUrl : body.accountUrl;
    if (principal.role === 'customer' && body.accountUrl !== principal.accountUrl) {
      throw new RepatriateError('REPAT_DESK_FORBIDDEN', 'you can assess only the account you signed in for', { hint: `sign in as an administrator of ${body.accountUrl}` });
    }
    return desk.assess(account, body.licenseKey);
  });

  app.post('/api/telephony-requests', {
    schema: routeSchema({ summary: 'File a signed telephony transfer request from an on-premise installation (P10)', tags: ['telephony'], body: s.telephonyBody, response: { 201: s.telephonyCreated } }),
  }, async (request, reply) => {
    const body = s.telephonyBody.parse(request.body);
    const received = await desk.receiveTelephonyRequest(body);
    reply.status(201);
    return { id: received.id, state: received.state };
  });
}

import type { FastifyInstance } from 'fastify';
import type { Desk } from '../../workflow/desk.js';
import { operatorOf, setSessionCookie } from './auth.js';
import { routeSchema } from './route-schema.js';
import * as s from './schemas.js';

/** The vendor's routes (M13): sign-in, the queue, decisions, payments, notifications, audit, telephony requests. */
export async function operatorRoutes(app: FastifyInstance, options: { desk: Desk; secureCookies: boolean }): Promise<void> {
  const { desk } = options;
  const tags = ['operator'];
  const id = (request: { params: unknown }): number => Number(s.idParams.parse(request.params).id);

  app.post('/api/operator/sessions', {
    schema: routeSchema({ summary: 'Sign in as an operator', tags, body: s.operatorSignIn, response: { 201: s.sessionResult } }),
  }, async (request, reply) => {
    const body = s.operatorSignIn.parse(request.body);
    const session = await desk.signInOperator(body.email, body.password);
    setSessionCookie(reply, session.token, session.expiresAt, options.secureCookies);
    reply.status(201);
    return { token: session.token, expiresAt: session.expiresAt, role: 'operator', email: session.principal.role === 'operator' ? session.principal.email : null };
  });

  app.get('/api/operator/requests', {
    schema: routeSchema({ summary: 'The queue, filtered by state and flag (e.g. rented-numbers)', tags, auth: true, querystring: s.queueQuery, response: { 200: s.requestList } }),
  }, async (request) => {
    const query = s.queueQuery.parse(request.query);
    return { requests: await desk.listRequests(await operatorOf(desk, request), { ...(query.state ? { state: query.state } : {}), ...(query.flag ? { flag: query.flag } : {}) }) };
  });

  app.get('/api/operator/requests/:id', {
    schema: routeSchema({ summary: 'One request with its assessment, flags and message thread', tags, auth: true, params: s.idParams, response: { 200: s.requestDetail } }),
  }, async (request) => desk.getRequest(await operatorOf(desk, request), id(request)));

  app.post('/api/operator/requests/:id/approve', {
    schema: routeSchema({ summary: 'Approve a checked request', tags, auth: true, params: s.idParams, body: s.approveBody, response: { 200: s.requestResult } }),
  }, async (request) => desk.decide(await operatorOf(desk, request), id(request), { kind: 'approve', note: s.approveBody.parse(request.body ?? {}).note }));

  app.post('/api/operator/requests/:id/reject', {
    schema: routeSchema({ summary: 'Reject a request with a reason (the customer is told)', tags, auth: true, params: s.idParams, body: s.rejectBody, response: { 200: s.requestResult } }),
  }, async (request) => desk.decide(await operatorOf(desk, request), id(request), { kind: 'reject', reason: s.rejectBody.parse(request.body).reason }));

  app.post('/api/operator/requests/:id/schedule', {
    schema: routeSchema({ summary: 'Set the final date (M7); it may differ from the requested one, and the customer gets an e-mail', tags, auth: true, params: s.idParams, body: s.scheduleBody, response: { 200: s.requestResult } }),
  }, async (request) => desk.decide(await operatorOf(desk, request), id(request), { kind: 'schedule', finalDate: s.scheduleBody.parse(request.body).finalDate }));

  app.post('/api/operator/requests/:id/messages', {
    schema: routeSchema({ summary: 'Write to the customer about a request (they get an e-mail)', tags, auth: true, params: s.idParams, body: s.messageBody, response: { 201: s.messageResult } }),
  }, async (request, reply) => {
    const message = await desk.postMessage(await operatorOf(desk, request), id(request), s.messageBody.parse(request.body).body);
    reply.status(201);
    return message;
  });

  app.get('/api/operator/orders', {
    schema: routeSchema({ summary: 'Orders, optionally of one account', tags, auth: true, querystring: s.ordersQuery, response: { 200: s.orderList } }),
  }, async (request) => ({ orders: await desk.listOrders(await operatorOf(desk, request), s.ordersQuery.parse(request.query).account) }));

  app.post('/api/operator/orders', {
    schema: routeSchema({ summary: 'Open an order for a further build of an account (M1)', tags, auth: true, body: s.operatorOrderBody, response: { 201: s.orderResult } }),
  }, async (request, reply) => {
    const order = await desk.createOrder(await operatorOf(desk, request), s.operatorOrderBody.parse(request.body).accountUrl);
    reply.status(201);
    return order;
  });

  app.post('/api/operator/orders/:id/payment', {
    schema: routeSchema({ summary: 'Record that an order was paid (M1)', tags, auth: true, params: s.idParams, body: s.paymentBody, response: { 200: s.orderResult } }),
  }, async (request) => desk.recordPayment(await operatorOf(desk, request), id(request), s.paymentBody.parse(request.body).reference));

  app.get('/api/operator/notifications', {
    schema: routeSchema({ summary: 'E-mail notifications, sent or (without SMTP) only recorded', tags, auth: true, response: { 200: s.notificationList } }),
  }, async (request) => ({ mailConfigured: desk.mailConfigured, notifications: await desk.notifications(await operatorOf(desk, request)) }));

  app.get('/api/audit', {
    schema: routeSchema({ summary: 'The audit trail, newest first (M13); operators only', tags, auth: true, querystring: s.auditQuery, response: { 200: s.auditList } }),
  }, async (request) => {
    const operator = await operatorOf(desk, request);
    const q = s.auditQuery.parse(request.query);
    return { entries: await desk.audit(operator, { ...(q.subject ? { subject: q.subject } : {}), ...(q.action ? { action: q.action } : {}), ...(q.limit ? { limit: q.limit } : {}) }) };
  });

  app.get('/api/telephony-requests', {
    schema: routeSchema({ summary: 'Telephony transfer requests received (P10); operators only', tags, auth: true, response: { 200: s.telephonyList } }),
  }, async (request) => ({ requests: await desk.listTelephonyRequests(await operatorOf(desk, request)) }));
}

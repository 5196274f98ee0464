import type { FastifyInstance } from 'fastify';
import type { Desk } from '../../workflow/desk.js';
import { customerOf } from './auth.js';
import { routeSchema } from './route-schema.js';
import * as s from './schemas.js';

/** The account administrator's routes: only their own account's requests, messages and orders. */
export async function customerRoutes(app: FastifyInstance, options: { desk: Desk }): Promise<void> {
  const { desk } = options;
  const tags = ['customer'];

  app.post('/api/requests', {
    schema: routeSchema({ summary: 'Ask for a migration: license key, requested date, binding confirmation of the terms (M2)', tags, auth: true, body: s.submitBody, response: { 201: s.requestResult } }),
  }, async (request, reply) => {
    const customer = await customerOf(desk, request);
    const created = await desk.submitRequest(customer, s.submitBody.parse(request.body));
    reply.status(201);
    return created;
  });

  app.get('/api/requests', {
    schema: routeSchema({ summary: "The account's migration requests", tags, auth: true, response: { 200: s.requestList } }),
  }, async (request) => ({ requests: await desk.listRequests(await customerOf(desk, request)) }));

  app.get('/api/requests/:id', {
    schema: routeSchema({ summary: 'One request with its assessment and message thread', tags, auth: true, params: s.idParams, response: { 200: s.requestDetail } }),
  }, async (request) => desk.getRequest(await customerOf(desk, request), Number(s.idParams.parse(request.params).id)));

  app.post('/api/requests/:id/messages', {
    schema: routeSchema({ summary: 'Write to the vendor about a request (the operators get an e-mail)', tags, auth: true, params: s.idParams, body: s.messageBody, response: { 201: s.messageResult } }),
  }, async (request, reply) => {
    const customer = await customerOf(desk, request);
    const message = await desk.postMessage(customer, Number(s.idParams.parse(request.params).id), s.messageBody.parse(request.body).body);
    reply.status(201);
    return message;
  });

  app.post('/api/orders', {
    schema: routeSchema({ summary: 'Order a further migration build (M1); usable once the vendor records the payment', tags, auth: true, response: { 201: s.orderResult } }),
  }, async (request, reply) => {
    const order = await desk.createOrder(await customerOf(desk, request));
    reply.status(201);
    return order;
  });

  app.get('/api/orders', {
    schema: routeSchema({ summary: "The account's orders", tags, auth: true, response: { 200: s.orderList } }),
  }, async (request) => ({ orders: await desk.listOrders(await customerOf(desk, request)) }));
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RepatriateError } from '../../core/errors.js';
import { requestAcmeCertificate } from '../../postmigrate/acme.js';
import { publicAddress, setPublicAddress } from '../../postmigrate/address.js';
import { listApps } from '../../postmigrate/apps.js';
import { listChannels, markReconnected } from '../../postmigrate/channels.js';
import { checklist, taskStatus } from '../../postmigrate/checklist.js';
import type { Installation } from '../../postmigrate/installation.js';
import { configureSmtp, installationMailer, sendTestMail } from '../../postmigrate/mail.js';
import { sendResetLinks, setPassword } from '../../postmigrate/passwords.js';
import { configurePush } from '../../postmigrate/push.js';
import { rebuildSearchIndex, search } from '../../postmigrate/search.js';
import { listSites, publishSites, recordCloudMove } from '../../postmigrate/sites.js';
import { isTaskId, taskIds, type TaskId } from '../../postmigrate/tasks.js';
import { fileTelephonyRequest } from '../../postmigrate/telephony.js';
import { installCertificate, type TlsTrust } from '../../postmigrate/tls.js';
import { applyUpdates } from '../../postmigrate/updates.js';
import { runWizard } from '../../postmigrate/wizard.js';
import { HttpError } from '../http.js';
import { anyObject, errors, jsonSchema, taskStatusSchema } from './schemas.js';

/**
 * The administrator's routes: the checklist and every task's actions, under
 * `/api/onprem/status` and `/api/onprem/tasks/<id>/<action>`. They need the administrator's
 * bearer token (given to buildOnpremApp; `repatriate serve --onprem` makes one).
 */
export interface AdminOptions {
  readonly adminToken: string;
  readonly trust?: TlsTrust;
}

type Action = (inst: Installation, body: unknown) => Promise<unknown>;

interface ActionSpec {
  readonly summary: string;
  readonly body?: z.ZodType;
  readonly run: Action;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** What a running P3 rebuild last reported, for the UI's progress bar (one rebuild per server at a time is the normal case). */
export interface RebuildProgress {
  running: boolean;
  source?: string;
  documents?: number;
  total?: number;
  /** Documents indexed so far over every source. */
  indexed?: number;
}

async function rebuildWithProgress(inst: Installation, progress: RebuildProgress): Promise<unknown> {
  Object.assign(progress, { running: true, source: undefined, documents: undefined, total: undefined, indexed: 0 });
  let finished = 0;
  let lastSource = '';
  let lastDone = 0;
  try {
    return await rebuildSearchIndex(inst, (event) => {
      if (event.source !== lastSource) {
        finished += lastDone;
        lastSource = event.source;
      }
      lastDone = event.documents;
      Object.assign(progress, { source: event.source, documents: event.documents, total: event.total, indexed: finished + event.documents });
    });
  } finally {
    progress.running = false;
  }
}

function actions(trust: TlsTrust | undefined, progress: RebuildProgress): Partial<Record<TaskId, Record<string, ActionSpec>>> {
  const withTrust = trust ? { trust } : {};
  const p1Send = z.object({ linkBase: z.string().optional(), hours: z.number().int().min(1).max(24 * 14).optional(), logins: z.array(z.string()).optional() });
  const p1Set = z.object({ login: z.string().min(1), password: z.string().min(1).max(1024) });
  const p2 = z.object({ admin: z.string().optional() });
  const p5 = z.object({ to: z.string().min(1), from: z.string().optional() });
  const p6 = z.object({ ids: z.array(z.number().int().positive()).min(1) });
  const p7 = z.object({ server: z.string().min(1) });
  const p8Moved = z.object({ to: z.string().min(1) });
  const p8Publish = z.object({ domain: z.string().min(1) });
  const p9Configure = z.object({ smtp: z.string().min(1), from: z.string().min(3), ca: z.string().optional(), requireTls: z.boolean().optional() });
  const p9Test = z.object({ to: z.string().min(3) });
  const r5Install = z.object({ cert: z.string().min(1), key: z.string().min(1), chain: z.string().optional() });
  const r5Acme = z.object({ email: z.string().min(3), directoryUrl: z.string().optional() });
  const p10 = z.object({ deskUrl: z.string().min(1), licenseKey: z.string().optional() });
  return {
    P1: {
      send: {
        summary: 'mail reset links to every active user without a password', body: p1Send,
        run: async (inst, raw) => {
          const body = p1Send.parse(raw);
          const linkBase = body.linkBase ?? (await publicAddress(inst));
          if (!linkBase) throw new RepatriateError('REPAT_ONPREM_BLOCKED', 'the reset links need the installation\'s public address', { hint: 'set it first (P5) or give linkBase' });
          const mailer = await installationMailer(inst);
          try {
            return await sendResetLinks(inst, { mailer, linkBase, ...(body.hours ? { hours: body.hours } : {}), ...(body.logins ? { logins: body.logins } : {}) });
          } finally {
            mailer.close();
          }
        },
      },
      'set-password': { summary: "set a user's password by hand", body: p1Set, run: async (inst, raw) => { const b = p1Set.parse(raw); return setPassword(inst, b.login, b.password); } },
    },
    P2: { repair: { summary: 'repair administrators and access groups', body: p2, run: async (inst, raw) => { const b = p2.parse(raw); return runWizard(inst, b.admin ? { adminLogin: b.admin } : {}); } } },
    P3: { rebuild: { summary: 'rebuild the search index (progress: GET /api/onprem/tasks/P3/progress)', run: async (inst) => rebuildWithProgress(inst, progress) } },
    P4: { apply: { summary: 'apply pending module updates', run: async (inst) => applyUpdates(inst) } },
    P5: { set: { summary: 'set the public address in imconnector, imopenlines, imbot', body: p5, run: async (inst, raw) => { const b = p5.parse(raw); return setPublicAddress(inst, { to: b.to, ...(b.from ? { from: b.from } : {}) }); } } },
    P6: {
      list: { summary: 'the channels with reconnect status', run: async (inst) => ({ channels: await listChannels(inst) }) },
      reconnected: { summary: 'record reconnected channels', body: p6, run: async (inst, raw) => ({ channels: await markReconnected(inst, p6.parse(raw).ids) }) },
    },
    P7: { set: { summary: 'set the push server and check it answers', body: p7, run: async (inst, raw) => configurePush(inst, p7.parse(raw).server) } },
    P8: {
      list: { summary: 'sites, stores and forms', run: async (inst) => listSites(inst) },
      moved: { summary: 'record where the cloud copies moved', body: p8Moved, run: async (inst, raw) => recordCloudMove(inst, p8Moved.parse(raw).to) },
      publish: { summary: 'bind sites to the domain, rewrite links, publish', body: p8Publish, run: async (inst, raw) => publishSites(inst, p8Publish.parse(raw).domain) },
    },
    P9: {
      configure: {
        summary: 'save your SMTP server after connecting once', body: p9Configure,
        run: async (inst, raw) => { const b = p9Configure.parse(raw); return configureSmtp(inst, { url: b.smtp, from: b.from, requireTls: b.requireTls ?? false, ...(b.ca ? { trustedCa: b.ca } : {}) }); },
      },
      test: { summary: 'send a test mail', body: p9Test, run: async (inst, raw) => sendTestMail(inst, p9Test.parse(raw).to) },
    },
    R5: {
      install: { summary: 'install your certificate and key (validated)', body: r5Install, run: async (inst, raw) => { const b = r5Install.parse(raw); return installCertificate(inst, { cert: b.cert, key: b.key, ...(b.chain ? { chain: b.chain } : {}), ...withTrust }); } },
      letsencrypt: { summary: "order a certificate from Let's Encrypt (HTTP-01)", body: r5Acme, run: async (inst, raw) => { const b = r5Acme.parse(raw); return requestAcmeCertificate(inst, { email: b.email, ...(b.directoryUrl ? { directoryUrl: b.directoryUrl } : {}), ...withTrust }); } },
    },
    P10: {
      request: {
        summary: 'file the telephony transfer request', body: p10,
        run: async (inst, raw) => {
          const b = p10.parse(raw);
          const outcome = await fileTelephonyRequest(inst, { deskUrl: b.deskUrl, ...(b.licenseKey ? { licenseKey: b.licenseKey } : {}), ...withTrust });
          return { delivery: outcome.delivery, id: outcome.id, file: outcome.file, reason: outcome.reason, numbers: outcome.signed.request.numbers };
        },
      },
    },
    P11: { list: { summary: 'marketplace apps with reinstall status', run: async (inst) => listApps(inst) } },
  };
}

function taskParam(id: string): TaskId {
  if (!isTaskId(id)) throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `there is no post-migration task "${id}"`, { hint: `the tasks are ${taskIds.join(', ')}` });
  return id.toUpperCase() as TaskId;
}

export function adminRoutes(inst: Installation, options: AdminOptions) {
  const expected = digest(options.adminToken);
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!token || !timingSafeEqual(digest(token), expected)) {
        throw new HttpError(401, 'REPAT_UNAUTHORIZED', 'the assistant needs the administrator token', 'send Authorization: Bearer <token> (printed by `repatriate serve --onprem`)');
      }
    });
    const checklistOptions = options.trust ? { trust: options.trust } : {};

    app.get('/api/onprem/status', {
      schema: { security: [{ admin: [] }], summary: 'every task with its state and why', response: { 200: { type: 'object', properties: { installation: anyObject, tasks: { type: 'array', items: taskStatusSchema }, done: { type: 'integer' } } }, ...errors } },
    }, async () => checklist(inst, checklistOptions));

    app.get('/api/onprem/tasks/:id', {
      schema: { security: [{ admin: [] }], summary: 'one task with its state and why', params: jsonSchema(z.object({ id: z.string() })), response: { 200: taskStatusSchema, ...errors } },
    }, async (request) => taskStatus(inst, taskParam((request.params as { id: string }).id), checklistOptions));

    app.get('/api/onprem/search', {
      schema: {
        security: [{ admin: [] }],
        summary: 'search the restored content (P3)',
        querystring: jsonSchema(z.object({ q: z.string().min(1).max(500), limit: z.coerce.number().int().min(1).max(200).optional() })),
        response: { 200: { type: 'object', properties: { hits: { type: 'array', items: anyObject } } }, ...errors },
      },
    }, async (request) => {
      const query = request.query as { q: string; limit?: number };
      return { hits: await search(inst, query.q, query.limit ?? 20) };
    });

    const progress: RebuildProgress = { running: false };
    app.get('/api/onprem/tasks/P3/progress', {
      schema: {
        security: [{ admin: [] }],
        summary: 'how far a running search index rebuild (P3) is, for a progress bar',
        response: { 200: { type: 'object', required: ['running'], properties: { running: { type: 'boolean' }, source: { type: 'string' }, documents: { type: 'integer' }, total: { type: 'integer' }, indexed: { type: 'integer' } } }, ...errors },
      },
    }, async () => progress);

    const table = actions(options.trust, progress);
    app.post('/api/onprem/tasks/:id/:action', {
      schema: {
        security: [{ admin: [] }],
        summary: 'do one action of a task; the actions and their bodies are listed in the description',
        description: Object.entries(table).map(([id, acts]) => `${id}: ${Object.entries(acts!).map(([name, spec]) => `${name} (${spec.summary})`).join(', ')}`).join('\n'),
        params: jsonSchema(z.object({ id: z.string(), action: z.string() })),
        body: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] },
        response: { 200: anyObject, ...errors },
      },
    }, async (request) => {
      const { id, action } = request.params as { id: string; action: string };
      const task = taskParam(id);
      const spec = table[task]?.[action];
      if (!spec) {
        const known = Object.keys(table[task] ?? {});
        throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `task ${task} has no action "${action}"`, { hint: known.length > 0 ? `its actions are ${known.join(', ')}` : `${task} has nothing to do but check itself: GET /api/onprem/tasks/${task}` });
      }
      try {
        return await spec.run(inst, request.body ?? {});
      } catch (error) {
        if (error instanceof z.ZodError) throw new RepatriateError('REPAT_USAGE', `invalid request for ${task} ${action}: ${error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`, { hint: 'see the route description in the OpenAPI document' });
        throw error;
      }
    });
  };
}

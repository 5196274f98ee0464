import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { silentProgress } from '../src/core/progress.js';
import { canonicalJson } from '../src/core/signing.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { setCloudPassword } from '../src/platform/passwords.js';
import { cloudStats, type CloudStats } from '../src/platform/stats.js';
import { buildDeskApp } from '../src/server/desk/app.js';
import { openDesk, type Desk } from '../src/workflow/desk.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js';
import { cleanupStores, generateSigningKey, licenseKeyFor, manualClock, scratchStore, storeKinds } from './desk-helpers.js';
import { removeDir, tempDir } from './helpers.js';

const acme = 'https://acme.cloud.example';
const globex = 'https://globex.cloud.example';
const initech = 'https://initech.cloud.example';
const passwords = { acme: 'acme admin password 1', globex: 'globex admin password 2', initech: 'initech admin password 3', employee: 'just an employee 4' };
const operator = { email: 'olga@vendor.example', password: 'operator passphrase one' };
const signer = generateSigningKey();

let home: string;
let stats: CloudStats;
let acmeAdminEmail: string;

before(async () => {
  home = await tempDir('desk-api');
  await initCloud(home, { seed: 3, tenants: 3, size: 3e6 }, silentProgress);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, acme, 'admin@acme.cloud.example', passwords.acme);
    await setCloudPassword(cloud.db, globex, 'admin@globex.cloud.example', passwords.globex);
    await setCloudPassword(cloud.db, initech, 'admin@initech.cloud.example', passwords.initech);
    const [employee] = await cloud.db.query<{ login: string }>(
      "SELECT u.login FROM b_user u WHERE u.tenant_id = 1 AND u.active AND u.external_auth_id IS NULL AND u.login <> 'admin@acme.cloud.example' AND NOT EXISTS (SELECT 1 FROM b_user_group ug JOIN b_group g ON g.id = ug.group_id WHERE ug.user_id = u.id AND g.string_id = 'ADMIN') ORDER BY u.id LIMIT 1",
    );
    await setCloudPassword(cloud.db, acme, employee!.login, passwords.employee);
    employeeLogin = employee!.login;
    // The customers of acme and globex switched auto-renewal off (M5); initech did not.
    await cloud.db.query("UPDATE cloud_tenant SET auto_renew = (address = $1)", [initech]);
    const [admin] = await cloud.db.query<{ email: string }>("SELECT email FROM b_user WHERE login = 'admin@acme.cloud.example'");
    acmeAdminEmail = admin!.email;
    stats = await cloudStats(cloud.db);
  });
});
let employeeLogin = '';

after(async () => {
  await cleanupStores();
  await removeDir(home);
});

interface Reply {
  status: number;
  body: any;
  raw: string;
  headers: Record<string, unknown>;
}

for (const kind of storeKinds) {
  describe(`desk API on ${kind}`, () => {
    let desk: Desk;
    let app: FastifyInstance;
    let smtp: SmtpCatcher;
    const clock = manualClock('2026-11-25T09:00:00Z');
    let operatorToken = '';
    const keys: Record<string, string> = {};

    const call = async (method: string, url: string, options: { body?: unknown; token?: string; cookie?: string; rawBody?: string; contentType?: string } = {}): Promise<Reply> => {
      const headers: Record<string, string> = {};
      if (options.token) headers['authorization'] = `Bearer ${options.token}`;
      if (options.cookie) headers['cookie'] = options.cookie;
      if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const response = await app.inject({ method: method as 'GET', url, headers, ...(options.rawBody !== undefined ? { payload: options.rawBody } : options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}) });
      let body: unknown;
      try {
        body = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        body = response.body;
      }
      return { status: response.statusCode, body, raw: response.body, headers: response.headers as Record<string, unknown> };
    };
    const signIn = async (account: string, login: string, password: string): Promise<string> => {
      const r = await call('POST', '/api/sessions', { body: { accountUrl: account, login, password } });
      assert.equal(r.status, 201, r.raw);
      return r.body.token as string;
    };
    const validKey = async (fields: Parameters<typeof licenseKeyFor>[1] = {}): Promise<string> => {
      const key = licenseKeyFor(signer, fields);
      assert.equal((await call('POST', `/api/licenses/${key}/activation`, { body: { installationUrl: 'https://intranet.customer.example' } })).status, 200);
      assert.equal((await call('POST', `/api/licenses/${key}/registration`, { body: { owner: 'Secret Owner GmbH', email: 'owner@customer.example' } })).status, 200);
      return key;
    };

    before(async () => {
      smtp = await startSmtpCatcher({ tls: 'none' });
      desk = await openDesk({ home, store: await scratchStore(kind, 'api'), clock: clock.now, licenseKeys: [signer.publicKey], mail: { url: smtp.url, from: 'desk@vendor.example' } });
      await desk.addOperator(operator.email, operator.password, 'cli:test');
      await desk.addOperator('second@vendor.example', 'second operator passphrase', 'cli:test');
      app = await buildDeskApp({ desk });
      const r = await call('POST', '/api/operator/sessions', { body: operator });
      assert.equal(r.status, 201, r.raw);
      operatorToken = r.body.token;
      keys['acme'] = await validKey({ edition: 'professional', seats: 100 });
    });

    after(async () => {
      await app.close();
      await desk.close();
      await smtp.close();
    });

    test('M3 the public license check says valid or exactly why not, and never names the owner', async () => {
      const other = generateSigningKey();
      const cases: [string, string | null][] = [
        [keys['acme']!, null],
        [licenseKeyFor(signer, { kind: 'trial' }), 'not-onpremise'],
        [licenseKeyFor(signer, { supportUntil: '2026-11-24' }), 'subscription-ended'],
        [licenseKeyFor(signer), 'not-activated'],
        [licenseKeyFor(other), 'bad-signature'],
        ['RPL1.not-a-key.at-all', 'malformed'],
      ];
      const activatedOnly = licenseKeyFor(signer);
      await call('POST', `/api/licenses/${activatedOnly}/activation`, { body: { installationUrl: 'https://x.example' } });
      cases.push([activatedOnly, 'not-registered']);
      for (const [key, problem] of cases) {
        const r = await call('GET', `/api/licenses/${encodeURIComponent(key)}/check`);
        assert.equal(r.status, 200, r.raw);
        assert.equal(r.body.valid, problem === null, `${problem}: ${r.raw}`);
        assert.equal(r.body.problem, problem);
        assert.ok(!r.raw.includes('Secret Owner') && !r.raw.includes('owner@customer.example'), 'the owner stays private');
      }
      const registeredAgain = await call('POST', `/api/licenses/${keys['acme']}/registration`, { body: { owner: 'Someone Else', email: 'x@y.example' } });
      assert.equal(registeredAgain.status, 409, 'a registration cannot be taken over');
    });

    test('M2 the administrator signs in with the cloud login: cookie and bearer work; wrong password, unknown login and a non-administrator are refused', async () => {
      const r = await call('POST', '/api/sessions', { body: { accountUrl: acme, login: 'admin@acme.cloud.example', password: passwords.acme } });
      assert.equal(r.status, 201, r.raw);
      const cookie = String(r.headers['set-cookie']);
      assert.match(cookie, /repat_session=/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /Secure/);
      assert.match(cookie, /SameSite=Strict/);
      assert.equal((await call('GET', '/api/session', { token: r.body.token })).body.accountUrl, acme);
      const viaCookie = await call('GET', '/api/session', { cookie: `repat_session=${r.body.token}` });
      assert.equal(viaCookie.body.login, 'admin@acme.cloud.example');

      const wrong = await call('POST', '/api/sessions', { body: { accountUrl: acme, login: 'admin@acme.cloud.example', password: 'not the password' } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'REPAT_DESK_AUTH');
      assert.ok(wrong.body.error.hint);
      const unknown = await call('POST', '/api/sessions', { body: { accountUrl: 'https://nobody.cloud.example', login: 'admin@nobody', password: passwords.acme } });
      assert.equal(unknown.status, 401, 'an unknown account looks like a wrong login');
      const employee = await call('POST', '/api/sessions', { body: { accountUrl: acme, login: employeeLogin, password: passwords.employee } });
      assert.equal(employee.status, 403);
      assert.match(employee.body.error.message, /not an administrator/);
      const crossAccount = await call('POST', '/api/sessions', { body: { accountUrl: globex, login: 'admin@acme.cloud.example', password: passwords.acme } });
      assert.equal(crossAccount.status, 401, 'a login of one account does not open another');
      const noSession = await call('GET', '/api/session');
      assert.equal(noSession.status, 401);
      const garbage = await call('GET', '/api/session', { token: 'A'.repeat(43) });
      assert.equal(garbage.status, 401);
      const signedOut = await call('DELETE', '/api/session', { token: r.body.token });
      assert.equal(signedOut.status, 204);
      assert.equal((await call('GET', '/api/session', { token: r.body.token })).status, 401, 'a signed-out token no longer works');
    });

    test('M2 a session expires after its lifetime', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      assert.equal((await call('GET', '/api/session', { token })).status, 200);
      clock.advanceHours(13);
      try {
        const expired = await call('GET', '/api/session', { token });
        assert.equal(expired.status, 401);
        assert.match(expired.body.error.message, /expired/);
      } finally {
        clock.set('2026-11-25T09:00:00Z');
      }
    });

    test('B2 M4 M5 M6 M8 the assessment counts seats by the rules, shows the edition gap, rented numbers and estimates', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const standardKey = await validKey({ edition: 'standard', seats: 100 });
      const started = Date.now();
      const r = await call('POST', '/api/assessments', { token, body: { accountUrl: acme, licenseKey: standardKey } });
      const ms = Date.now() - started;
      assert.equal(r.status, 200, r.raw);
      const truth = stats.accounts.find((a) => a.address === acme)!;
      assert.equal(r.body.seats.active, truth.users.employee + truth.users.extranet + truth.users.invited, 'M4 employees, extranet and invited users count');
      assert.deepEqual(r.body.seats.counted, { employee: truth.users.employee, extranet: truth.users.extranet, invited: truth.users.invited });
      assert.equal(r.body.seats.notCounted.deactivated, truth.users.deactivated, 'M4 deactivated users do not count');
      assert.equal(r.body.seats.notCounted.bot, truth.users.bot, 'bots are not people');
      assert.equal(r.body.seats.notCounted.connector, truth.users.connector);
      assert.equal(r.body.seats.notCounted.system, truth.users.system);
      assert.equal(r.body.autoRenewal.on, false);
      assert.equal(r.body.eligible, true, r.raw);
      const gap = new Map((r.body.editionGap.modules as { module: string; rows: number; tables: { table: string; rows: number }[] }[]).map((m) => [m.module, m]));
      assert.ok(gap.has('crm'), 'M6 a standard license lacks CRM');
      assert.ok(!gap.has('tasks'), 'tasks are in every edition');
      const deals = gap.get('crm')!.tables.find((t) => t.table === 'b_crm_deal')!;
      const exact = truth.tables['b_crm_deal']!.rows;
      assert.ok(Math.abs(deals.rows - exact) <= Math.max(3, exact * 0.25), `M6 estimated deals ${deals.rows} near the exact ${exact}`);
      assert.ok(r.body.estimate.archiveBytes > truth.files.bytes, 'the size estimate includes files and rows');
      assert.ok(r.body.estimate.buildSeconds >= 1);
      assert.deepEqual(r.body.estimate.promisedDays, { min: 1, max: 5 });
      // Seconds, not days: a bound far above its usual time, so a loaded CI machine does not fail it.
      assert.ok(ms < 15_000, `B2 answered in ${ms} ms`);

      const enterprise = await call('POST', '/api/assessments', { token, body: { accountUrl: acme, licenseKey: await validKey({ edition: 'enterprise', seats: 100 }) } });
      assert.equal(enterprise.body.editionGap.modules.length, 0, 'M6 the enterprise edition has every module');
      const tooFew = await call('POST', '/api/assessments', { token, body: { accountUrl: acme, licenseKey: await validKey({ seats: 5 }) } });
      assert.equal(tooFew.body.eligible, false);
      assert.equal(tooFew.body.problems[0].rule, 'M4');

      const globexToken = await signIn(globex, 'admin@globex.cloud.example', passwords.globex);
      const rented = await call('POST', '/api/assessments', { token: globexToken, body: { accountUrl: globex, licenseKey: keys['acme'] } });
      assert.equal(rented.body.telephony.flagged, true, 'M8 rented numbers are flagged');
      assert.equal(rented.body.telephony.rentedNumbers.length, stats.accounts.find((a) => a.address === globex)!.rentedNumbers);
      assert.ok(rented.body.estimate.promisedDays.max > 5, 'M8 accounts with rented numbers take longer');
      assert.deepEqual(rented.body.flags, ['rented-numbers']);

      const initechToken = await signIn(initech, 'admin@initech.cloud.example', passwords.initech);
      const renewing = await call('POST', '/api/assessments', { token: initechToken, body: { accountUrl: initech, licenseKey: keys['acme'] } });
      assert.equal(renewing.body.eligible, false);
      assert.deepEqual(renewing.body.problems.map((p: { rule: string }) => p.rule), ['M5']);

      const foreign = await call('POST', '/api/assessments', { token, body: { accountUrl: globex, licenseKey: keys['acme'] } });
      assert.equal(foreign.status, 403, 'a customer assesses only their own account');
      const byOperator = await call('POST', '/api/assessments', { token: operatorToken, body: { accountUrl: globex, licenseKey: keys['acme'] } });
      assert.equal(byOperator.status, 200, 'operators assess any account');
    });

    test('M3 M4 M5 M7 a request is refused with the reason: unregistered, expired, too few seats, auto-renewal on, date in the past, terms not confirmed', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const submit = (body: Record<string, unknown>, t = token) => call('POST', '/api/requests', { token: t, body: { licenseKey: keys['acme'], requestedDate: '2026-12-10', termsVersion: desk.termsVersion, acceptTerms: true, ...body } });
      const unregistered = licenseKeyFor(signer);
      await call('POST', `/api/licenses/${unregistered}/activation`, { body: { installationUrl: 'https://x.example' } });
      const cases: [Record<string, unknown>, number, string, RegExp][] = [
        [{ licenseKey: unregistered }, 422, 'REPAT_LICENSE_UNREGISTERED', /not been registered/],
        [{ licenseKey: licenseKeyFor(signer) }, 422, 'REPAT_LICENSE_UNREGISTERED', /not been activated/],
        [{ licenseKey: await validKey({ supportUntil: '2026-11-01' }) }, 422, 'REPAT_LICENSE_EXPIRED', /ended/],
        [{ licenseKey: licenseKeyFor(signer, { kind: 'cloud' }) }, 422, 'REPAT_LICENSE_INVALID', /on-premise/],
        [{ licenseKey: await validKey({ seats: 5 }) }, 422, 'REPAT_LICENSE_SEATS', /5 seats/],
        [{ requestedDate: '2026-11-20' }, 422, 'REPAT_DESK_NOT_ELIGIBLE', /not in the future/],
        [{ requestedDate: '2026-11-25' }, 422, 'REPAT_DESK_NOT_ELIGIBLE', /not in the future/],
        [{ requestedDate: '2026-02-30' }, 400, 'REPAT_USAGE', /not a calendar date/],
        [{ termsVersion: '2019-01' }, 422, 'REPAT_DESK_NOT_ELIGIBLE', /terms/],
        [{ acceptTerms: false }, 400, 'REPAT_USAGE', /acceptTerms/],
      ];
      for (const [body, status, code, message] of cases) {
        const r = await submit(body);
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.raw}`);
        assert.equal(r.body.error.code, code, r.raw);
        assert.match(r.body.error.message, message);
      }
      const initechToken = await signIn(initech, 'admin@initech.cloud.example', passwords.initech);
      const renewing = await submit({}, initechToken);
      assert.equal(renewing.status, 422);
      assert.match(renewing.body.error.message, /renews automatically/);
      assert.match(renewing.body.error.hint, /auto-renewal/);
      assert.equal((await call('GET', '/api/requests', { token })).body.requests.length, 0, 'nothing was recorded');
    });

    test('M2 M7 M13 request → queue → messages → approval → final date, each party told by e-mail, every step audited', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const created = await call('POST', '/api/requests', { token, body: { licenseKey: keys['acme'], requestedDate: '2026-12-10', termsVersion: desk.termsVersion, acceptTerms: true } });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.id as number;
      assert.equal(created.body.state, 'checks');
      assert.equal(created.body.build, 'free');
      assert.deepEqual(created.body.confirmation, { termsVersion: desk.termsVersion, confirmedAt: '2026-11-25T09:00:00.000Z', confirmedBy: 'admin@acme.cloud.example' });
      await smtp.waitFor((m) => m.to.includes(operator.email) && m.subject.includes(`New migration request ${id}`));

      const queue = await call('GET', '/api/operator/requests?state=checks', { token: operatorToken });
      assert.ok(queue.body.requests.some((r: { id: number }) => r.id === id));
      assert.equal((await call('GET', '/api/operator/requests?state=approved', { token: operatorToken })).body.requests.length, 0, 'the state filter filters');

      const asked = await call('POST', `/api/requests/${id}/messages`, { token, body: { body: 'Can we move on the 10th?' } });
      assert.equal(asked.status, 201);
      await smtp.waitFor((m) => m.to.includes('second@vendor.example') && m.text.includes('Can we move on the 10th?'));
      const answered = await call('POST', `/api/operator/requests/${id}/messages`, { token: operatorToken, body: { body: 'The 12th suits us better.' } });
      assert.equal(answered.status, 201);
      await smtp.waitFor((m) => m.to.includes(acmeAdminEmail) && m.text.includes('The 12th suits us better.'));

      const early = await call('POST', `/api/operator/requests/${id}/schedule`, { token: operatorToken, body: { finalDate: '2026-12-12' } });
      assert.equal(early.status, 409, 'a request is approved before it is scheduled');
      assert.equal(early.body.error.code, 'REPAT_DESK_STATE');
      assert.match(early.body.error.message, /checks cannot become scheduled/);

      const approved = await call('POST', `/api/operator/requests/${id}/approve`, { token: operatorToken, body: { note: 'All checks passed.' } });
      assert.equal(approved.status, 200, approved.raw);
      assert.equal(approved.body.state, 'approved');
      await smtp.waitFor((m) => m.to.includes(acmeAdminEmail) && m.subject.includes('approved'));
      const again = await call('POST', `/api/operator/requests/${id}/approve`, { token: operatorToken, body: {} });
      assert.equal(again.status, 409, 'illegal transition approved → approved');

      const past = await call('POST', `/api/operator/requests/${id}/schedule`, { token: operatorToken, body: { finalDate: '2026-11-01' } });
      assert.equal(past.status, 422);
      const scheduled = await call('POST', `/api/operator/requests/${id}/schedule`, { token: operatorToken, body: { finalDate: '2026-12-12' } });
      assert.equal(scheduled.status, 200, scheduled.raw);
      assert.equal(scheduled.body.state, 'scheduled');
      assert.equal(scheduled.body.finalDate, '2026-12-12');
      assert.equal(scheduled.body.requestedDate, '2026-12-10');
      const told = await smtp.waitFor((m) => m.to.includes(acmeAdminEmail) && m.subject.includes('final date 2026-12-12'));
      assert.match(told.subject, /you asked for 2026-12-10/);
      assert.match(told.text, /night before 2026-12-12/);

      const detail = await call('GET', `/api/requests/${id}`, { token });
      assert.equal(detail.status, 200);
      assert.deepEqual(detail.body.messages.map((m: { role: string }) => m.role), ['customer', 'operator']);
      assert.equal(detail.body.assessment.seats.active > 0, true);

      const audit = await call('GET', `/api/audit?subject=request:${id}`, { token: operatorToken });
      assert.equal(audit.status, 200);
      const actions = (audit.body.entries as { action: string; actor: string; details: Record<string, any> }[]).reverse();
      assert.deepEqual(actions.map((e) => e.action), ['request.submit', 'request.checks', 'message.post', 'message.post', 'request.approve', 'request.schedule']);
      assert.equal(actions[0]!.actor, `customer:admin@acme.cloud.example@${acme}`);
      assert.equal(actions[4]!.actor, `operator:${operator.email}`);
      assert.deepEqual(actions[4]!.details['state'], { from: 'checks', to: 'approved' });
      assert.deepEqual(actions[5]!.details['finalDate'], { from: null, to: '2026-12-12', requested: '2026-12-10' });
      assert.ok(!audit.raw.includes(passwords.acme) && !audit.raw.includes(operator.password), 'no password in the audit trail');
    });

    test('M1 a second build needs an order the vendor recorded as paid (€549.00 by default)', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const submit = () => call('POST', '/api/requests', { token, body: { licenseKey: keys['acme'], requestedDate: '2027-01-15', termsVersion: desk.termsVersion, acceptTerms: true } });
      const unpaid = await submit();
      assert.equal(unpaid.status, 402, unpaid.raw);
      assert.equal(unpaid.body.error.code, 'REPAT_DESK_PAYMENT_REQUIRED');
      assert.match(unpaid.body.error.message, /€549\.00/);
      const order = await call('POST', '/api/orders', { token });
      assert.equal(order.status, 201);
      assert.equal(order.body.priceCents, 54900);
      assert.equal(order.body.state, 'open');
      assert.equal((await submit()).status, 402, 'an open, unpaid order is not enough');
      const byCustomer = await call('POST', `/api/operator/orders/${order.body.id}/payment`, { token, body: { reference: 'self-paid' } });
      assert.equal(byCustomer.status, 403, 'a customer cannot record a payment');
      const paid = await call('POST', `/api/operator/orders/${order.body.id}/payment`, { token: operatorToken, body: { reference: 'bank transfer 2026-11-25 #4711' } });
      assert.equal(paid.status, 200, paid.raw);
      assert.equal(paid.body.state, 'paid');
      assert.equal((await call('POST', `/api/operator/orders/${order.body.id}/payment`, { token: operatorToken, body: { reference: 'twice' } })).status, 409);
      const second = await submit();
      assert.equal(second.status, 201, second.raw);
      assert.equal(second.body.build, 'paid');
      assert.equal(second.body.orderId, order.body.id);
      const third = await submit();
      assert.equal(third.status, 402, 'each paid order buys one build');
      const orders = await call('GET', '/api/orders', { token });
      assert.equal(orders.body.orders[0].requestId, second.body.id);
    });

    test('M1 two requests racing for the free build: exactly one gets it, and the database refuses a second free build too', async () => {
      const token = await signIn(globex, 'admin@globex.cloud.example', passwords.globex);
      const body = { licenseKey: keys['acme'], requestedDate: '2026-12-20', termsVersion: desk.termsVersion, acceptTerms: true };
      const results = await Promise.all([1, 2, 3].map(() => call('POST', '/api/requests', { token, body })));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 402, 402], results.map((r) => r.raw).join('\n'));
      const winner = results.find((r) => r.status === 201)!;
      assert.deepEqual(winner.body.flags, ['rented-numbers'], 'M8 the request carries the flag');
      const flagged = await call('GET', '/api/operator/requests?flag=rented-numbers', { token: operatorToken });
      assert.deepEqual(flagged.body.requests.map((r: { id: number }) => r.id), [winner.body.id]);
      await assert.rejects(
        desk.store.query("INSERT INTO requests (account_url, license_id, requested_date, state, free_build, terms_version, confirmed_at, confirmed_by, flags, assessment, created_at, updated_at) SELECT account_url, license_id, requested_date, 'checks', true, terms_version, confirmed_at, confirmed_by, flags, assessment, created_at, updated_at FROM requests WHERE id = $1", [winner.body.id]),
        /ux_requests_free_build|duplicate key/,
      );
      // A rejected request gives the free build back.
      const rejected = await call('POST', `/api/operator/requests/${winner.body.id}/reject`, { token: operatorToken, body: { reason: 'rented numbers must be released first' } });
      assert.equal(rejected.status, 200);
      assert.equal(rejected.body.reason, 'rented numbers must be released first');
      await smtp.waitFor((m) => m.subject.includes(`request ${winner.body.id} rejected`) && m.text.includes('rented numbers must be released first'));
      assert.equal((await call('POST', `/api/operator/requests/${winner.body.id}/approve`, { token: operatorToken, body: {} })).status, 409, 'rejected is final');
      const retry = await call('POST', '/api/requests', { token, body });
      assert.equal(retry.status, 201);
      assert.equal(retry.body.build, 'free');
    });

    test('M13 authorisation: customers see only their account, act only on customer routes; operators only on operator routes', async () => {
      const acmeToken = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const globexToken = await signIn(globex, 'admin@globex.cloud.example', passwords.globex);
      const acmeRequests = (await call('GET', '/api/requests', { token: acmeToken })).body.requests as { id: number; accountUrl: string }[];
      const globexRequests = (await call('GET', '/api/requests', { token: globexToken })).body.requests as { id: number; accountUrl: string }[];
      assert.ok(acmeRequests.length > 0 && globexRequests.length > 0);
      assert.ok(acmeRequests.every((r) => r.accountUrl === acme));
      const foreign = globexRequests[0]!.id;
      assert.equal((await call('GET', `/api/requests/${foreign}`, { token: acmeToken })).status, 404, "another account's request does not exist for you");
      assert.equal((await call('POST', `/api/requests/${foreign}/messages`, { token: acmeToken, body: { body: 'hi' } })).status, 404);
      assert.equal((await call('GET', '/api/requests/999999', { token: acmeToken })).status, 404);
      for (const [method, url, body] of [
        ['GET', '/api/operator/requests', undefined], ['GET', `/api/operator/requests/${foreign}`, undefined],
        ['POST', `/api/operator/requests/${acmeRequests[0]!.id}/approve`, {}], ['POST', `/api/operator/requests/${acmeRequests[0]!.id}/reject`, { reason: 'x' }],
        ['POST', `/api/operator/requests/${acmeRequests[0]!.id}/schedule`, { finalDate: '2027-01-01' }], ['GET', '/api/audit', undefined],
        ['GET', '/api/operator/orders', undefined], ['POST', '/api/operator/orders', { accountUrl: acme }], ['GET', '/api/operator/notifications', undefined],
        ['GET', '/api/telephony-requests', undefined],
      ] as const) {
        const r = await call(method, url, { token: acmeToken, ...(body ? { body } : {}) });
        assert.equal(r.status, 403, `customer on ${method} ${url}: ${r.raw}`);
        const anonymous = await call(method, url, body ? { body } : {});
        assert.equal(anonymous.status, 401, `anonymous on ${method} ${url}`);
      }
      for (const [method, url, body] of [['GET', '/api/requests', undefined], ['POST', '/api/orders', undefined], ['POST', '/api/requests', { licenseKey: keys['acme'], requestedDate: '2027-01-01', termsVersion: 'x', acceptTerms: true }]] as const) {
        const r = await call(method, url, { token: operatorToken, ...(body ? { body } : {}) });
        assert.equal(r.status, 403, `operator on customer route ${method} ${url}`);
      }
      const wrongOperator = await call('POST', '/api/operator/sessions', { body: { email: operator.email, password: 'wrong wrong wrong' } });
      assert.equal(wrongOperator.status, 401);
      const refused = await call('GET', '/api/audit?action=session.refused', { token: operatorToken });
      assert.ok(refused.body.entries.some((e: { subject: string }) => e.subject === `operator:${operator.email}`), 'M13 refused sign-ins are audited');
    });

    test('P10 a signed telephony request with a valid license is received; a bad signature or license is refused; both audited and listed for operators', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const request = { v: 1 as const, licenseKey: keys['acme']!, accountUrl: acme, installationUrl: 'https://intranet.acme.example', numbers: ['+4930123456'], certificateSha256: 'ab'.repeat(32), createdAt: '2026-11-25T08:00:00.000Z' };
      const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const signature = sign(null, Buffer.from(canonicalJson(request)), privateKey).toString('base64');
      const ok = await call('POST', '/api/telephony-requests', { body: { request, publicKey: spki, signature } });
      assert.equal(ok.status, 201, ok.raw);
      assert.equal(ok.body.state, 'received');
      const tampered = await call('POST', '/api/telephony-requests', { body: { request: { ...request, numbers: ['+4930999999'] }, publicKey: spki, signature } });
      assert.equal(tampered.status, 422);
      assert.equal(tampered.body.error.code, 'REPAT_SIGNATURE_INVALID');
      const badLicense = { ...request, licenseKey: licenseKeyFor(signer) };
      const unlicensed = await call('POST', '/api/telephony-requests', { body: { request: badLicense, publicKey: spki, signature: sign(null, Buffer.from(canonicalJson(badLicense)), privateKey).toString('base64') } });
      assert.equal(unlicensed.status, 422);
      assert.equal(unlicensed.body.error.code, 'REPAT_LICENSE_UNREGISTERED');
      const list = await call('GET', '/api/telephony-requests', { token: operatorToken });
      assert.equal(list.body.requests.length, 1);
      assert.deepEqual(list.body.requests[0].numbers, ['+4930123456']);
      const audit = await call('GET', '/api/audit?action=telephony.receive', { token: operatorToken });
      assert.equal(audit.body.entries.length, 1);
    });

    test('M13 invalid input gets a 4xx with a message, never a 500: 200+ malformed requests', async () => {
      const token = await signIn(acme, 'admin@acme.cloud.example', passwords.acme);
      const junk: unknown[] = [null, 0, -1, 1.5, true, 'x', '', [], {}, [1, 2], { a: 1 }, 'A'.repeat(5000), { toString: 1 }, { __proto__: { admin: true } }, { constructor: { prototype: {} } }];
      const targets: [string, string, string | undefined][] = [
        ['POST', '/api/sessions', undefined], ['POST', '/api/operator/sessions', undefined], ['POST', '/api/requests', token],
        ['POST', '/api/assessments', token], ['POST', '/api/telephony-requests', undefined], ['POST', '/api/operator/requests/1/reject', operatorToken],
        ['POST', '/api/operator/requests/1/schedule', operatorToken], ['POST', '/api/operator/orders/1/payment', operatorToken], ['POST', '/api/requests/1/messages', token],
        ['POST', '/api/operator/orders', operatorToken], ['POST', `/api/licenses/${encodeURIComponent(keys['acme']!)}/registration`, undefined],
      ];
      let sent = 0;
      for (const [method, url, t] of targets) {
        for (const body of junk) {
          const r = await call(method, url, { ...(t ? { token: t } : {}), rawBody: JSON.stringify(body) ?? 'undefined' });
          assert.ok(r.status >= 400 && r.status < 500, `${method} ${url} ${JSON.stringify(body)?.slice(0, 60)} → ${r.status} ${r.raw.slice(0, 200)}`);
          assert.ok(typeof r.body?.error?.message === 'string' && r.body.error.message.length > 0, r.raw);
          sent++;
        }
        for (const raw of ['{"unterminated": ', 'not json', '\u0000', '{"a":1}{"b":2}']) {
          const r = await call(method, url, { ...(t ? { token: t } : {}), rawBody: raw });
          assert.ok(r.status >= 400 && r.status < 500, `${url} raw ${JSON.stringify(raw)} → ${r.status}`);
          sent++;
        }
        const xml = await call(method, url, { ...(t ? { token: t } : {}), rawBody: '<a/>', contentType: 'application/xml' });
        assert.ok(xml.status >= 400 && xml.status < 500, `${url} xml → ${xml.status}`);
        sent++;
      }
      for (const id of ['0', '-1', 'abc', '1.5', '2147483648', '99999999999', '%00', "1'--"]) {
        for (const url of [`/api/requests/${id}`, `/api/operator/requests/${id}`]) {
          const r = await call('GET', url, { token: url.includes('operator') ? operatorToken : token });
          assert.ok(r.status === 400 || r.status === 404, `${url} → ${r.status}`);
          sent++;
        }
      }
      for (const q of ['state=nonsense', 'flag=DROP%20TABLE', 'state=checks&extra=1']) {
        const r = await call('GET', `/api/operator/requests?${q}`, { token: operatorToken });
        assert.equal(r.status, 400, `?${q} → ${r.status}`);
        sent++;
      }
      for (const header of ['Bearer', 'Basic abc', 'Bearer ' + 'x'.repeat(300), 'Bearer short']) {
        const r = await app.inject({ method: 'GET', url: '/api/session', headers: { authorization: header } });
        assert.equal(r.statusCode, 401, header);
        sent++;
      }
      const missing = await call('POST', '/api/requests', { token, body: { licenseKey: keys['acme'] } });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /requestedDate/, 'the message names the missing field');
      assert.ok(sent >= 200, `${sent} malformed requests sent`);
    });

    test('M13 the OpenAPI document describes every route with schemas, and no route changes the audit trail', async () => {
      const r = await call('GET', '/api/openapi.json');
      assert.equal(r.status, 200);
      assert.match(r.body.openapi, /^3\./);
      const paths = r.body.paths as Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>>;
      for (const path of ['/api/requests', '/api/operator/requests/{id}/approve', '/api/licenses/{key}/check', '/api/audit', '/api/telephony-requests', '/api/assessments']) assert.ok(paths[path], `${path} is documented`);
      for (const [path, methods] of Object.entries(paths)) {
        for (const [method, op] of Object.entries(methods)) {
          assert.ok(op.responses && Object.keys(op.responses).some((s) => s.startsWith('2')), `${method} ${path} documents its success response`);
          if (method === 'post' && !path.endsWith('/api/orders')) assert.ok(op.requestBody, `${method} ${path} documents its body`);
        }
      }
      assert.deepEqual(Object.keys(paths['/api/audit']!), ['get'], 'the audit trail can only be read');
      assert.equal((await call('GET', '/openapi.json')).status, 200);
    });
  });
}

describe('desk notifications without a working SMTP server', () => {
  test('M13 an unreachable SMTP server does not undo the action: the notice is recorded with the failure, and no secret appears in it', async () => {
    const desk = await openDesk({ home, store: await scratchStore('postgres', 'mailfail'), clock: manualClock('2026-11-25T09:00:00Z').now, licenseKeys: [signer.publicKey], mail: { url: 'smtp://desk:smtp-secret-pw@127.0.0.1:1', from: 'desk@vendor.example' } });
    const app = await buildDeskApp({ desk });
    try {
      await desk.addOperator(operator.email, operator.password, 'cli:test');
      const inject = async (url: string, body: unknown, token?: string) => {
        const r = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
        return { status: r.statusCode, body: JSON.parse(r.body) };
      };
      const key = licenseKeyFor(signer);
      await inject(`/api/licenses/${key}/activation`, { installationUrl: 'https://x.example' });
      await inject(`/api/licenses/${key}/registration`, { owner: 'X', email: 'x@x.example' });
      const token = (await inject('/api/sessions', { accountUrl: acme, login: 'admin@acme.cloud.example', password: passwords.acme })).body.token as string;
      const created = await inject('/api/requests', { licenseKey: key, requestedDate: '2026-12-10', termsVersion: desk.termsVersion, acceptTerms: true }, token);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const operatorToken = (await inject('/api/operator/sessions', operator)).body.token as string;
      const list = await app.inject({ method: 'GET', url: '/api/operator/notifications', headers: { authorization: `Bearer ${operatorToken}` } });
      const notices = JSON.parse(list.body) as { mailConfigured: boolean; notifications: { sentAt: string | null; error: string | null; subject: string }[] };
      assert.equal(notices.mailConfigured, true);
      assert.equal(notices.notifications.length, 1);
      assert.equal(notices.notifications[0]!.sentAt, null);
      assert.match(notices.notifications[0]!.error ?? '', /failed/);
      assert.ok(!list.body.includes('smtp-secret-pw'), 'the SMTP password is redacted');
    } finally {
      await app.close();
      await desk.close();
    }
  });
});

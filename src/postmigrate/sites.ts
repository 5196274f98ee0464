import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { text, truthy } from './db.js';
import type { Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P8: sites, stores and web forms still answer under the cloud's domains, so the cloud copies
 * must first move to another (sub)domain — the administrator records where — and only then are
 * the restored copies bound to the installation's domain, their links rewritten and their pages
 * published again.
 */
const recordSchema = z.object({
  movedTo: z.string().optional(),
  movedAt: z.string().optional(),
  domain: z.string().optional(),
  publishedAt: z.string().optional(),
});

const hostname = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

function checkHost(value: string, what: string): string {
  const host = value.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!hostname.test(host)) throw new RepatriateError('REPAT_USAGE', `"${value}" is not a domain name (${what})`, { hint: 'write it like sites.example.com' });
  return host;
}

export interface Site {
  readonly id: number;
  readonly code: string;
  readonly title: string;
  readonly type: 'PAGE' | 'STORE' | string;
  readonly domain: string;
  readonly pages: number;
  readonly publishedPages: number;
}

export interface WebForm {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly landingId: number | null;
}

export async function listSites(inst: Installation): Promise<{ sites: Site[]; forms: WebForm[] }> {
  const rows = await inst.db.query<{ id: unknown; code: string; title: string; type: string; domain: string; pages: unknown; published: unknown }>(
    `SELECT s.id, s.code, s.title, s.type, d.domain,
       (SELECT count(*) FROM b_landing l WHERE l.site_id = s.id AND l.deleted = FALSE) AS pages,
       (SELECT count(*) FROM b_landing l WHERE l.site_id = s.id AND l.deleted = FALSE AND l.public = TRUE) AS published
     FROM b_landing_site s JOIN b_landing_domain d ON d.id = s.domain_id WHERE s.active = TRUE ORDER BY s.id`,
  );
  const forms = await inst.db.query<{ id: unknown; code: string; name: string; landing_id: unknown }>('SELECT id, code, name, landing_id FROM b_crm_webform WHERE active = TRUE ORDER BY id');
  return {
    sites: rows.map((r) => ({ id: Number(r.id), code: r.code, title: r.title, type: r.type, domain: r.domain, pages: Number(r.pages), publishedPages: Number(r.published) })),
    forms: forms.map((f) => ({ id: Number(f.id), code: f.code, name: f.name, landingId: f.landing_id === null ? null : Number(f.landing_id) })),
  };
}

export async function sitesStatus(inst: Installation): Promise<TaskStatus> {
  const { sites, forms } = await listSites(inst);
  const record = (await readRecord(inst.db, 'P8', recordSchema)) ?? {};
  const details = { sites, forms, ...record };
  if (sites.length === 0 && forms.length === 0) return status('P8', 'done', 'the account had no sites, stores or forms', details);
  const unbound = record.domain ? sites.filter((s) => !s.domain.endsWith(`.${record.domain}`)) : sites;
  if (record.domain && unbound.length === 0) return status('P8', 'done', `${sites.length} sites and ${forms.length} forms are published under ${record.domain}`, details);
  if (!record.movedTo) return status('P8', 'todo', `${sites.length} sites and ${forms.length} forms wait: first move the cloud copies to another subdomain and record it`, details);
  return status('P8', 'todo', `the cloud copies moved to ${record.movedTo}; ${unbound.length} sites still need the new domain`, details);
}

/** Records that the vendor moved the cloud copies of the sites to another (sub)domain. */
export async function recordCloudMove(inst: Installation, movedTo: string): Promise<{ readonly movedTo: string }> {
  const host = checkHost(movedTo, 'where the cloud copies moved');
  const { sites } = await listSites(inst);
  const clash = sites.find((s) => s.domain === host);
  if (clash) throw new RepatriateError('REPAT_USAGE', `${host} is where the sites answer today (${clash.domain}), not where their cloud copies moved`, { hint: 'give the subdomain the vendor moved the cloud copies to' });
  const record = (await readRecord(inst.db, 'P8', recordSchema)) ?? {};
  const now = inst.clock();
  await writeRecord(inst.db, 'P8', { ...record, movedTo: host, movedAt: now.toISOString() }, now);
  return { movedTo: host };
}

export interface PublishReport {
  readonly domain: string;
  readonly sites: readonly { readonly id: number; readonly before: string; readonly after: string }[];
  readonly rewrittenBlocks: number;
  readonly publishedPages: number;
}

/** Binds every site to the installation's domain, rewrites links to the cloud, publishes the pages. */
export async function publishSites(inst: Installation, domainText: string): Promise<PublishReport> {
  const record = (await readRecord(inst.db, 'P8', recordSchema)) ?? {};
  if (!record.movedTo) {
    throw new RepatriateError('REPAT_ONPREM_BLOCKED', 'the cloud copies of the sites have not moved yet: publishing now would put two copies under one domain', {
      hint: 'ask the vendor to move them, then record where: `repatriate onprem P8 moved --to SUBDOMAIN`',
    });
  }
  const domain = checkHost(domainText, 'the installation\'s domain');
  const { sites } = await listSites(inst);
  const cloudAddress = inst.header.account.address;
  const newAddress = `https://${domain}`;
  const bound: { id: number; before: string; after: string }[] = [];
  const replacements: [string, string][] = [[cloudAddress, newAddress]];
  for (const site of sites) {
    const label = site.domain.split('.')[0]!;
    const after = site.domain.endsWith(`.${domain}`) ? site.domain : `${label}.${domain}`;
    if (after !== site.domain) {
      await inst.db.query('UPDATE b_landing_domain SET domain = ? WHERE domain = ?', [after, site.domain]);
      replacements.push([`https://${site.domain}`, `https://${after}`], [`http://${site.domain}`, `https://${after}`]);
    }
    bound.push({ id: site.id, before: site.domain, after });
  }
  let rewrittenBlocks = 0;
  for (const [from, to] of replacements) {
    const blocks = await inst.db.query<{ id: unknown; content: unknown }>('SELECT id, content FROM b_landing_block WHERE content LIKE ?', [`%${from}%`]);
    for (const block of blocks) {
      await inst.db.query('UPDATE b_landing_block SET content = ? WHERE id = ?', [(text(block.content) ?? '').split(from).join(to), Number(block.id)]);
      rewrittenBlocks++;
    }
  }
  const now = inst.clock();
  const toPublish = await inst.db.query<{ id: unknown; public: unknown }>('SELECT id, public FROM b_landing WHERE deleted = FALSE AND active = TRUE');
  await inst.db.query('UPDATE b_landing SET public = TRUE, date_publish = ? WHERE deleted = FALSE AND active = TRUE AND public = FALSE', [now]);
  await writeRecord(inst.db, 'P8', { ...record, domain, publishedAt: now.toISOString() }, now);
  return { domain, sites: bound, rewrittenBlocks, publishedPages: toPublish.filter((p) => !truthy(p.public)).length };
}

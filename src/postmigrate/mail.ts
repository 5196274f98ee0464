import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { createMailer, redactSmtpUrl, type Mailer } from '../core/mail.js';
import { text, truthy } from './db.js';
import { assistantDir, type Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P9: outgoing mail went through the vendor's servers; the customer's own SMTP server replaces
 * them. Its settings are kept where the product keeps them (`b_mail_smtp`; the cloud's row is
 * deactivated), a CA to trust for a private server beside the assistant's files, and a test mail
 * proves the configuration. The SMTP password is never shown: settings come back redacted.
 */
const recordSchema = z.object({ configuredAt: z.string(), testedAt: z.string().optional(), testedTo: z.string().optional(), server: z.string() });
const caFile = (dataDir: string): string => path.join(assistantDir(dataDir), 'smtp-ca.pem');

export interface SmtpSettings {
  readonly url: string;
  readonly from: string;
  readonly requireTls: boolean;
  readonly trustedCa?: string;
}

interface StoredSmtp {
  readonly id: number;
  readonly server: string;
  readonly port: number;
  readonly protocol: string;
  readonly login: string;
  readonly password: string;
  readonly fromEmail: string;
}

async function activeSmtp(inst: Installation): Promise<StoredSmtp | undefined> {
  const row = await inst.db.one<{ id: unknown; server: string; port: unknown; protocol: string; login: unknown; password: unknown; from_email: string; active: unknown }>(
    'SELECT id, server, port, protocol, login, password, from_email, active FROM b_mail_smtp WHERE active = TRUE ORDER BY id DESC LIMIT 1',
  );
  if (!row || !truthy(row.active)) return undefined;
  return { id: Number(row.id), server: row.server, port: Number(row.port), protocol: row.protocol, login: text(row.login) ?? '', password: text(row.password) ?? '', fromEmail: row.from_email };
}

function urlOf(smtp: StoredSmtp): string {
  const scheme = smtp.protocol === 'smtps' ? 'smtps' : 'smtp';
  const credentials = smtp.login ? `${encodeURIComponent(smtp.login)}:${encodeURIComponent(smtp.password)}@` : '';
  return `${scheme}://${credentials}${smtp.server}:${smtp.port}`;
}

export async function mailStatus(inst: Installation): Promise<TaskStatus> {
  const record = await readRecord(inst.db, 'P9', recordSchema);
  const smtp = await activeSmtp(inst);
  if (!record || !smtp) return status('P9', 'todo', smtp ? `outgoing mail still uses the cloud's server ${smtp.server}: configure your own SMTP server` : 'no SMTP server is configured');
  const server = redactSmtpUrl(urlOf(smtp));
  if (!record.testedAt) return status('P9', 'todo', `${server} is configured but no test mail went through it yet`, { server });
  return status('P9', 'done', `test mail to ${record.testedTo} went through ${server} at ${record.testedAt}`, { server, testedAt: record.testedAt });
}

/** Saves the SMTP server after connecting to it (and authenticating) once. */
export async function configureSmtp(inst: Installation, settings: SmtpSettings): Promise<{ readonly server: string }> {
  const mailer = createMailer(settings);
  try {
    await mailer.verify();
  } finally {
    mailer.close();
  }
  const url = new URL(settings.url);
  const protocol = url.protocol === 'smtps:' ? 'smtps' : settings.requireTls ? 'starttls' : 'smtp';
  await inst.db.query('UPDATE b_mail_smtp SET active = FALSE WHERE active = TRUE');
  await inst.db.query('INSERT INTO b_mail_smtp (server, port, protocol, login, password, from_email, active) VALUES (?, ?, ?, ?, ?, ?, TRUE)', [
    url.hostname,
    Number(url.port || (protocol === 'smtps' ? 465 : 587)),
    protocol,
    decodeURIComponent(url.username),
    decodeURIComponent(url.password),
    settings.from,
  ]);
  if (settings.trustedCa) {
    await mkdir(assistantDir(inst.dataDir), { recursive: true });
    await writeFile(caFile(inst.dataDir), settings.trustedCa);
  }
  const now = inst.clock();
  const server = redactSmtpUrl(settings.url);
  await writeRecord(inst.db, 'P9', { configuredAt: now.toISOString(), server }, now);
  return { server };
}

/** The mailer the installation sends with (reset links, the test mail), from its saved settings. */
export async function installationMailer(inst: Installation): Promise<Mailer> {
  const smtp = await activeSmtp(inst);
  const record = await readRecord(inst.db, 'P9', recordSchema);
  if (!smtp || !record) throw new RepatriateError('REPAT_ONPREM_BLOCKED', 'no SMTP server of yours is configured, so the installation cannot send mail', { hint: 'configure it first: `repatriate onprem P9 configure --smtp smtp://user:pass@host:587 --from noreply@example.com`' });
  const trustedCa = await readFile(caFile(inst.dataDir), 'utf8').catch(() => undefined);
  return createMailer({ url: urlOf(smtp), from: smtp.fromEmail, requireTls: smtp.protocol === 'starttls', ...(trustedCa ? { trustedCa } : {}) });
}

export async function sendTestMail(inst: Installation, to: string): Promise<{ readonly messageId: string; readonly server: string }> {
  if (!/^[^@\s]+@[^@\s]+$/.test(to)) throw new RepatriateError('REPAT_USAGE', `"${to}" is not an e-mail address`, { hint: 'give the address that should receive the test mail' });
  const mailer = await installationMailer(inst);
  try {
    const sent = await mailer.send({ to, subject: 'Test mail from your intranet', text: 'This mail went through your own SMTP server: outgoing mail works.\n' });
    const record = (await readRecord(inst.db, 'P9', recordSchema))!;
    const now = inst.clock();
    await writeRecord(inst.db, 'P9', { ...record, testedAt: now.toISOString(), testedTo: to }, now);
    return { messageId: sent.messageId, server: record.server };
  } finally {
    mailer.close();
  }
}

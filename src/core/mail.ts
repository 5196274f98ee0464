import nodemailer from 'nodemailer';
import { RepatriateError } from './errors.js';

/**
 * Outgoing mail through an SMTP server named by a URL: `smtp://user:pass@host:587` (STARTTLS when
 * the server offers it), `smtps://host:465` (TLS from the first byte). Used by the vendor desk for
 * notifications and by the on-premise assistant for reset links and the P9 test mail.
 */
export interface MailSettings {
  readonly url: string;
  readonly from: string;
  /** PEM of a CA (or self-signed certificate) to trust in addition to the system's. */
  readonly trustedCa?: string;
  /** Refuse to send without TLS (STARTTLS or implicit). */
  readonly requireTls?: boolean;
}

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  /** Connects and authenticates without sending anything. */
  verify(): Promise<void>;
  send(mail: Mail): Promise<{ readonly messageId: string }>;
  close(): void;
}

/** The SMTP address without its credentials, for messages and logs. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(malformed SMTP URL)';
  }
}

function mailError(settings: MailSettings, action: string, cause: unknown): RepatriateError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // nodemailer messages can echo the server's banner but never the password; the URL is redacted.
  return new RepatriateError('REPAT_MAIL_FAILED', `${action} through ${redactSmtpUrl(settings.url)} failed: ${reason}`, {
    hint: 'check the SMTP address, port, credentials and TLS settings',
    cause,
  });
}

export function createMailer(settings: MailSettings): Mailer {
  let parsed: URL;
  try {
    parsed = new URL(settings.url);
  } catch (cause) {
    throw new RepatriateError('REPAT_USAGE', 'the SMTP address is not a URL', { hint: 'write it as smtp://user:password@host:587 or smtps://host:465', cause });
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new RepatriateError('REPAT_USAGE', `the SMTP address must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  const transport = nodemailer.createTransport({
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)),
    secure: parsed.protocol === 'smtps:',
    requireTLS: settings.requireTls ?? false,
    ...(parsed.username ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } } : {}),
    tls: settings.trustedCa ? { ca: settings.trustedCa } : {},
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async verify() {
      try {
        await transport.verify();
      } catch (cause) {
        throw mailError(settings, 'connecting', cause);
      }
    },
    async send(mail) {
      try {
        const info = await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
        return { messageId: String(info.messageId) };
      } catch (cause) {
        throw mailError(settings, `sending "${mail.subject}"`, cause);
      }
    },
    close() {
      transport.close();
    },
  };
}

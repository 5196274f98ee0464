import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import selfsigned from 'selfsigned';
import { SMTPServer } from 'smtp-server';

/** A received mail, parsed by mailparser. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** Whether the session that delivered it was encrypted (STARTTLS or implicit TLS). */
  readonly secure: boolean;
}

export interface SmtpCatcher {
  readonly port: number;
  /** smtp://user:pass@127.0.0.1:port (or smtps:// when implicit TLS). */
  readonly url: string;
  /** PEM of the server's self-signed certificate, when TLS is on. */
  readonly certificate: string | undefined;
  readonly mails: ReceivedMail[];
  /** Resolves with the first mail (already received or still to come) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface SmtpCatcherOptions {
  /** 'none': plain SMTP, no STARTTLS. 'starttls': offers STARTTLS. 'implicit': TLS from the first byte. */
  readonly tls?: 'none' | 'starttls' | 'implicit';
  /** When set, the server requires these credentials. */
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** A real SMTP server process-in-process (smtp-server) on 127.0.0.1 that keeps what it receives. */
export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const tls = options.tls ?? 'none';
  const pems = tls === 'none' ? undefined : await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] });
  const mails: ReceivedMail[] = [];
  const waiters: { match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    secure: tls === 'implicit',
    disabledCommands: [...(tls === 'none' ? ['STARTTLS'] : []), ...(options.auth ? [] : ['AUTH'])],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    ...(pems ? { key: pems.private, cert: pems.cert } : {}),
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
          const mail: ReceivedMail = { from: parsed.from?.value[0]?.address ?? '', to, subject: parsed.subject ?? '', text: parsed.text ?? '', secure: session.secure };
          mails.push(mail);
          for (const waiter of [...waiters]) {
            if (waiter.match(mail)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(mail);
            }
          }
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : '';
  return {
    port,
    url: `${tls === 'implicit' ? 'smtps' : 'smtp'}://${credentials}127.0.0.1:${port}`,
    certificate: pems?.cert,
    mails,
    waitFor(match, timeoutMs = 10_000) {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${mails.map((m) => m.subject).join(', ') || 'none'})`)), timeoutMs);
        waiters.push({ match, resolve: (mail) => { clearTimeout(timer); resolve(mail); } });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

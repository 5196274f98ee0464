import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import acme from 'acme-client';
import { RepatriateError } from '../core/errors.js';
import { assistantDir, type Installation } from './installation.js';
import { installCertificate, installationHost, type CertificateCheck, type TlsTrust } from './tls.js';

/**
 * R5 via Let's Encrypt (any ACME CA): HTTP-01 challenges are files in
 * `<data-dir>/.repatriate/assistant/acme-challenge/`, which the installation's web server answers
 * at `/.well-known/acme-challenge/<token>` (server/onprem). The CLI that orders and the server that
 * answers can be different processes; the files are what they share.
 */
export const letsEncryptDirectory = acme.directory.letsencrypt.production;
const challengeDir = (dataDir: string): string => path.join(assistantDir(dataDir), 'acme-challenge');
const tokenPattern = /^[A-Za-z0-9_-]{8,256}$/;

export function isChallengeToken(token: string): boolean {
  return tokenPattern.test(token);
}

export async function putChallenge(dataDir: string, token: string, keyAuthorization: string): Promise<void> {
  if (!isChallengeToken(token)) throw new RepatriateError('REPAT_USAGE', 'the ACME server sent a malformed challenge token', { hint: 'try again; if it repeats, the ACME directory URL is wrong' });
  await mkdir(challengeDir(dataDir), { recursive: true });
  await writeFile(path.join(challengeDir(dataDir), token), keyAuthorization);
}

export async function removeChallenge(dataDir: string, token: string): Promise<void> {
  if (isChallengeToken(token)) await rm(path.join(challengeDir(dataDir), token), { force: true });
}

/** The key authorization for a token, or undefined (also for tokens that are not tokens). */
export async function readChallenge(dataDir: string, token: string): Promise<string | undefined> {
  if (!isChallengeToken(token)) return undefined;
  return readFile(path.join(challengeDir(dataDir), token), 'utf8').catch(() => undefined);
}

export interface AcmeRequest {
  readonly email: string;
  readonly directoryUrl?: string;
  readonly trust?: TlsTrust;
}

/** Orders a certificate for the installation's host and installs it (validated like any other). */
export async function requestAcmeCertificate(inst: Installation, request: AcmeRequest): Promise<CertificateCheck> {
  const host = await installationHost(inst);
  const directoryUrl = request.directoryUrl ?? letsEncryptDirectory;
  // Asked once first, so an unreachable CA is reported at once instead of after the client's retries.
  try {
    const response = await fetch(directoryUrl, { signal: AbortSignal.timeout(15_000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (cause) {
    throw new RepatriateError('REPAT_ONPREM_UNREACHABLE', `the ACME directory ${directoryUrl} does not answer: ${(cause as Error).cause instanceof Error ? ((cause as Error).cause as Error).message : (cause as Error).message}`, {
      hint: `check the directory URL and this server's outgoing HTTPS; the ACME server must also reach http://${host}/.well-known/acme-challenge/ on port 80. The current certificate stays in place`,
      cause,
    });
  }
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateKey(), backoffAttempts: 5, backoffMin: 1000, backoffMax: 5000 });
  const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] });
  let certificate: string;
  try {
    certificate = await client.auto({
      csr,
      email: request.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`only http-01 challenges are served here, not ${challenge.type}`);
        await putChallenge(inst.dataDir, challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => removeChallenge(inst.dataDir, challenge.token),
    });
  } catch (cause) {
    throw new RepatriateError('REPAT_ONPREM_UNREACHABLE', `the certificate for ${host} could not be obtained from ${directoryUrl}: ${(cause as Error).message}`, {
      hint: `the ACME server must reach http://${host}/.well-known/acme-challenge/ on port 80 (served by \`repatriate serve --onprem\`); check DNS and the firewall. The current certificate stays in place`,
      cause,
    });
  }
  return installCertificate(inst, { cert: certificate, key: key.toString(), source: 'acme', ...(request.trust ? { trust: request.trust } : {}) });
}

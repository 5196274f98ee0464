import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import selfsigned from 'selfsigned';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { text } from './db.js';
import { assistantDir, type Installation } from './installation.js';
import { publicAddress } from './address.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * R5: the installation serves HTTPS with the certificate in `<data-dir>/.repatriate/assistant/tls/`
 * (cert.pem, chain.pem, key.pem mode 0600, source.json). The assistant's first run puts a
 * self-signed one there; the administrator replaces it with their own (validated before anything
 * is written) or with one from Let's Encrypt (acme.ts). Trust is computed, never stored: key
 * matches, validity dates, host name, and a chain that ends in a trusted root.
 */
const sourceSchema = z.object({ source: z.enum(['self-signed', 'installed', 'acme']), host: z.string(), installedAt: z.string() });
export type CertificateSource = z.infer<typeof sourceSchema>['source'];

export const tlsDir = (dataDir: string): string => path.join(assistantDir(dataDir), 'tls');

/** Extra roots to trust beside Node's bundled ones (a company's internal CA). */
export interface TlsTrust {
  readonly extraRoots?: readonly string[];
}

export interface CertificateCheck {
  readonly trusted: boolean;
  readonly problems: readonly string[];
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly sha256: string;
  readonly host: string;
}

export async function installationHost(inst: Installation): Promise<string> {
  const address = await publicAddress(inst);
  if (address) return new URL(address).hostname;
  const row = await inst.db.one<{ value: unknown }>("SELECT value FROM b_option WHERE module_id = 'main' AND name = 'server_name'");
  return text(row?.value) ?? new URL(inst.header.account.address).hostname;
}

function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new RepatriateError('REPAT_TLS_INVALID', `the ${what} is not a PEM certificate`, { hint: 'give the certificate file your CA issued (-----BEGIN CERTIFICATE-----)', cause });
  }
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** Checks a certificate with its chain (and its key, when given) for a host at a moment. */
export function checkCertificate(input: { cert: string; chain?: string; key?: string; host: string; now: Date; trust?: TlsTrust }): CertificateCheck {
  const [leafPem, ...bundled] = splitPem(input.cert);
  if (!leafPem) throw new RepatriateError('REPAT_TLS_INVALID', 'the certificate file holds no PEM certificate', { hint: 'give the certificate file your CA issued (-----BEGIN CERTIFICATE-----)' });
  const leaf = parseCertificate(leafPem, 'certificate');
  const chain = [...bundled, ...splitPem(input.chain ?? '')].map((pem) => parseCertificate(pem, 'chain certificate'));
  const problems: string[] = [];
  if (input.key !== undefined) {
    let matches = false;
    try {
      matches = leaf.checkPrivateKey(createPrivateKey(input.key));
    } catch {
      problems.push('the key file is not a PEM private key');
    }
    if (!matches && problems.length === 0) problems.push('the private key does not belong to the certificate');
  }
  if (input.now < new Date(leaf.validFrom)) problems.push(`not valid before ${new Date(leaf.validFrom).toISOString()}`);
  if (input.now > new Date(leaf.validTo)) problems.push(`expired on ${new Date(leaf.validTo).toISOString()}`);
  if (!leaf.checkHost(input.host)) problems.push(`does not name the host ${input.host} (${leaf.subjectAltName ?? leaf.subject})`);
  const roots = [...rootCertificates, ...(input.trust?.extraRoots ?? [])].flatMap(splitPem).map((pem) => new X509Certificate(pem));
  const isRoot = (cert: X509Certificate): boolean => roots.some((r) => r.fingerprint256 === cert.fingerprint256);
  let current = leaf;
  for (let depth = 0; ; depth++) {
    if (issuedBy(current, current)) {
      if (!isRoot(current)) problems.push(current === leaf ? 'self-signed: browsers and phones will not trust it' : `the chain ends in ${current.subject.replace(/\n/g, ', ')}, which is not a trusted root`);
      break;
    }
    const root = roots.find((r) => issuedBy(current, r));
    if (root) break;
    const next = chain.find((c) => c !== current && issuedBy(current, c));
    if (!next || depth > 8) {
      problems.push(`the chain is incomplete: no certificate of the issuer ${current.issuer.replace(/\n/g, ', ')} was given`);
      break;
    }
    if (input.now > new Date(next.validTo)) problems.push(`the intermediate ${next.subject.replace(/\n/g, ', ')} expired`);
    current = next;
  }
  return {
    trusted: problems.length === 0,
    problems,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    validTo: new Date(leaf.validTo).toISOString(),
    sha256: createHash('sha256').update(leaf.raw).digest('hex'),
    host: input.host,
  };
}

async function writeCertificate(dataDir: string, files: { cert: string; chain: string; key: string }, source: z.infer<typeof sourceSchema>): Promise<void> {
  const dir = tlsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Each file is replaced by a rename, so a reader sees the old or the new one, never half of it.
  const put = async (name: string, body: string, mode = 0o644): Promise<void> => {
    const tmp = path.join(dir, `.${name}.tmp`);
    await writeFile(tmp, body, { mode });
    await chmod(tmp, mode);
    await rename(tmp, path.join(dir, name));
  };
  await put('key.pem', files.key, 0o600);
  await put('cert.pem', files.cert);
  await put('chain.pem', files.chain);
  await put('source.json', JSON.stringify(source, null, 2) + '\n');
}

export interface InstalledCertificate {
  readonly cert: string;
  readonly chain: string;
  readonly key: string;
  readonly source: z.infer<typeof sourceSchema>;
}

export async function readInstalledCertificate(dataDir: string): Promise<InstalledCertificate | undefined> {
  const dir = tlsDir(dataDir);
  try {
    const [cert, chain, key, source] = await Promise.all(['cert.pem', 'chain.pem', 'key.pem', 'source.json'].map((f) => readFile(path.join(dir, f), 'utf8')));
    return { cert: cert!, chain: chain!, key: key!, source: sourceSchema.parse(JSON.parse(source!)) };
  } catch {
    return undefined;
  }
}

/** The certificate an installation starts with: self-signed for its host, made once. */
export async function ensureCertificate(inst: Installation): Promise<InstalledCertificate> {
  const existing = await readInstalledCertificate(inst.dataDir);
  if (existing) return existing;
  const host = await installationHost(inst);
  const now = inst.clock();
  const pems = await selfsigned.generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 365 * 86_400_000),
    extensions: [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 2, value: host }] }],
  });
  const source = { source: 'self-signed' as const, host, installedAt: now.toISOString() };
  await writeCertificate(inst.dataDir, { cert: pems.cert, chain: '', key: pems.private }, source);
  return { cert: pems.cert, chain: '', key: pems.private, source };
}

export async function checkInstalledCertificate(inst: Installation, trust?: TlsTrust): Promise<CertificateCheck & { readonly source: CertificateSource }> {
  const installed = await ensureCertificate(inst);
  const check = checkCertificate({ cert: installed.cert, chain: installed.chain, key: installed.key, host: await installationHost(inst), now: inst.clock(), ...(trust ? { trust } : {}) });
  return { ...check, source: installed.source.source };
}

export async function tlsStatus(inst: Installation, trust?: TlsTrust): Promise<TaskStatus> {
  const check = await checkInstalledCertificate(inst, trust);
  const details = { ...check };
  if (check.trusted) return status('R5', 'done', `the ${check.source} certificate for ${check.host} is trusted until ${check.validTo}`, details);
  return status('R5', 'todo', `the ${check.source} certificate is not trusted: ${check.problems.join('; ')}`, details);
}

/** Installs the administrator's certificate after every check passed; otherwise nothing changes. */
export async function installCertificate(inst: Installation, input: { cert: string; key: string; chain?: string; trust?: TlsTrust; source?: 'installed' | 'acme' }): Promise<CertificateCheck> {
  const host = await installationHost(inst);
  const now = inst.clock();
  const check = checkCertificate({ cert: input.cert, key: input.key, host, now, ...(input.chain !== undefined ? { chain: input.chain } : {}), ...(input.trust ? { trust: input.trust } : {}) });
  if (!check.trusted) {
    throw new RepatriateError('REPAT_TLS_INVALID', `the certificate was not installed: ${check.problems.join('; ')}`, {
      hint: 'give the certificate for this host with its private key and the intermediate chain (--chain); the current certificate stays in place',
    });
  }
  const [leaf, ...bundled] = splitPem(input.cert);
  await writeCertificate(inst.dataDir, { cert: `${leaf}\n`, chain: [...bundled, ...splitPem(input.chain ?? '')].join('\n') + '\n', key: input.key }, { source: input.source ?? 'installed', host, installedAt: now.toISOString() });
  return check;
}

/**
 * Makes the golden archive vectors in test/golden/ (see README.md there).
 *
 *   npx tsx test/golden/make.ts            keeps the encrypted archives, re-derives every other vector
 *   npx tsx test/golden/make.ts --rebuild  re-encrypts v1-ok and wrong-password too (never once format 1 is released!)
 *
 * v1-ok is a released format-1 archive: once committed it is never rewritten, because the rule
 * "an archive of every released format version stays readable" is checked against those exact
 * bytes. Every failing vector is derived from it byte for byte (Ed25519 signatures are
 * deterministic and the untrusted key comes from a fixed seed), so running the script again
 * changes nothing; only wrong-password is a second encryption of the same members.
 *
 * The signing key is a TEST-ONLY Ed25519 key, committed on purpose as vendor-test-key.pem; it
 * signs nothing but these vectors. The password is the fixed one in password.txt.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compress } from 'zstd-napi';
import { formatVersion, indexName, indexSchema, tablePartName, type ArchiveIndex, type UnsignedIndex } from '../../src/archive/format.js';
import { generateSigningKey, keyIdOf, signJson, signingKeyFromPem, type SigningKey } from '../../src/core/signing.js';
import { ArchiveWriter } from '../../src/archive/writer.js';
import type { ErrorCode } from '../../src/core/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const goldenScryptLogN = 10;
const defaultPassword = 'golden-vector-password-not-a-secret';
/** The password the wrong-password vector is really encrypted with (never the one in password.txt). */
const otherPassword = 'another-password-than-password-txt';
const archiveId = '3f6c1a52-8e0b-4d47-9a31-5c2e7b9d4f10';
const createdAt = '2026-11-24T03:00:00.000Z';
const expiresAt = '2026-12-01T03:00:00.000Z';
const mtime = new Date('2026-11-23T00:00:00Z');

export interface Vector {
  /** The folder under test/golden/. */
  readonly name: string;
  readonly outcome: 'ok' | 'hash mismatch' | 'truncated volume' | 'missing volume' | 'unknown format version' | 'wrong password' | 'bad signature' | 'index missing';
  /** The RepatriateError code verifyArchive must throw; null when it must succeed. */
  readonly code: ErrorCode | null;
  readonly description: string;
}

const vectors: Vector[] = [
  { name: 'v1-ok', outcome: 'ok', code: null, description: 'a complete format-1 archive (2 volumes), signed by the test vendor key; must stay readable forever' },
  { name: 'hash-mismatch', outcome: 'hash mismatch', code: 'REPAT_ARCHIVE_HASH_MISMATCH', description: 'v1-ok with one byte flipped in the middle of vol-0000.age' },
  { name: 'truncated-volume', outcome: 'truncated volume', code: 'REPAT_ARCHIVE_TRUNCATED', description: 'v1-ok with the last volume (vol-0001.age) cut short by 100 bytes' },
  { name: 'missing-volume', outcome: 'missing volume', code: 'REPAT_ARCHIVE_VOLUME_MISSING', description: 'v1-ok without vol-0001.age' },
  { name: 'unknown-version', outcome: 'unknown format version', code: 'REPAT_ARCHIVE_VERSION', description: 'v1-ok with index format 2, properly re-signed by the test vendor key' },
  { name: 'wrong-password', outcome: 'wrong password', code: 'REPAT_PASSWORD_WRONG', description: `the same members, encrypted with "${otherPassword}" instead of password.txt; signed by the test vendor key` },
  { name: 'bad-signature-altered-index', outcome: 'bad signature', code: 'REPAT_ARCHIVE_SIGNATURE', description: 'v1-ok with expiresAt in index.json moved a year later after signing' },
  { name: 'bad-signature-untrusted-key', outcome: 'bad signature', code: 'REPAT_ARCHIVE_SIGNATURE', description: 'v1-ok with the index re-signed by a throwaway Ed25519 key that is not trusted' },
  { name: 'bad-signature-forged-key-id', outcome: 'bad signature', code: 'REPAT_ARCHIVE_SIGNATURE', description: 'v1-ok re-signed by a throwaway key, claiming the key id of the trusted test vendor key' },
  { name: 'index-missing', outcome: 'index missing', code: 'REPAT_ARCHIVE_INDEX_INVALID', description: 'v1-ok without index.json' },
];

async function loadOrCreateKey(): Promise<SigningKey> {
  const file = path.join(here, 'vendor-test-key.pem');
  if (existsSync(file)) return signingKeyFromPem(await readFile(file, 'utf8'));
  const key = generateSigningKey();
  await writeFile(file, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  await writeFile(path.join(here, 'vendor-test-key.pub.pem'), key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
  return key;
}

async function loadOrCreatePassword(): Promise<string> {
  const file = path.join(here, 'password.txt');
  if (!existsSync(file)) await writeFile(file, defaultPassword + '\n');
  return (await readFile(file, 'utf8')).split(/\r?\n/)[0]!;
}

/** The untrusted signer: an Ed25519 key from a fixed seed, so its signatures are the same on every run; never trusted. */
function strangerKey(): SigningKey {
  const seed = createHash('sha256').update('repatriate golden vectors: an untrusted signer').digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

function sign(unsigned: UnsignedIndex, key: SigningKey, keyId = key.keyId): ArchiveIndex {
  return { ...unsigned, signature: { algorithm: 'ed25519', keyId, value: signJson(unsigned, key) } };
}

async function writeIndex(dir: string, index: unknown): Promise<void> {
  await writeFile(path.join(dir, indexName), JSON.stringify(index, null, 2) + '\n');
}

async function readSignedIndex(dir: string): Promise<ArchiveIndex> {
  return indexSchema.parse(JSON.parse(await readFile(path.join(dir, indexName), 'utf8')));
}

function unsignedOf(index: ArchiveIndex): UnsignedIndex {
  const { signature: _signature, ...unsigned } = index;
  return unsigned;
}

/** A tiny archive: header, a table part (3 rows, zstd), a file, contents.json; two volumes. */
async function writeArchive(dir: string, passphrase: string, key: SigningKey): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const writer = new ArchiveWriter({
    dir,
    archiveId,
    encryption: { kind: 'passphrase', passphrase, scryptLogN: goldenScryptLogN },
    // header.json and the table part fill the first volume; the file and contents.json go to the second.
    volumeSize: 2048,
    mtime,
  });
  const header = { format: formatVersion, archiveId, product: 'golden test vector', account: { address: 'https://golden.cloud.example', id: 1 }, createdAt };
  await writer.addBuffer('header.json', Buffer.from(JSON.stringify(header, null, 2) + '\n'));
  const rows = '1\tadmin\tAnna\n2\tbob\tBob\n3\tcarol\tCarol\n';
  const part = compress(Buffer.from(rows));
  await writer.addStream(tablePartName('b_user', 0), part.length, (async function* () { yield part; })(), { rows: 3, raw: Buffer.byteLength(rows) });
  await writer.addBuffer('files/disk/hello.txt', Buffer.from('hello from the golden vector\n'));
  const { volumes } = await writer.close({ b_user: 3 });
  if (volumes.length !== 2) throw new Error(`expected 2 volumes, got ${volumes.length}`);
  const unsigned: UnsignedIndex = { format: formatVersion, archiveId, createdAt, expiresAt, encryption: 'passphrase', chunkSize: 64 * 1024 * 1024, volumes };
  await writeIndex(dir, sign(unsigned, key));
}

/** A copy of v1-ok to tamper with. */
async function derive(name: string): Promise<string> {
  const dir = path.join(here, name);
  await rm(dir, { recursive: true, force: true });
  await cp(path.join(here, 'v1-ok'), dir, { recursive: true });
  return dir;
}

async function flipMiddleByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 0xff;
  await writeFile(file, bytes);
}

async function main(): Promise<void> {
  const key = await loadOrCreateKey();
  const password = await loadOrCreatePassword();
  const rebuild = process.argv.includes('--rebuild');
  const okDir = path.join(here, 'v1-ok');
  if (rebuild || !existsSync(path.join(okDir, indexName))) {
    if (formatVersion !== 1) throw new Error('v1-ok is a released format-1 vector: add a v<N>-ok vector instead of rewriting it');
    await writeArchive(okDir, password, key);
  }
  const wrongDir = path.join(here, 'wrong-password');
  if (rebuild || !existsSync(path.join(wrongDir, indexName))) await writeArchive(wrongDir, otherPassword, key);
  const ok = await readSignedIndex(okDir);

  await flipMiddleByte(path.join(await derive('hash-mismatch'), 'vol-0000.age'));

  const truncated = path.join(await derive('truncated-volume'), 'vol-0001.age');
  await truncate(truncated, (await stat(truncated)).size - 100);

  await rm(path.join(await derive('missing-volume'), 'vol-0001.age'));

  await writeIndex(await derive('unknown-version'), sign({ ...unsignedOf(ok), format: 2 }, key));

  await writeIndex(await derive('bad-signature-altered-index'), { ...ok, expiresAt: '2027-12-01T03:00:00.000Z' });

  const stranger = strangerKey();
  await writeIndex(await derive('bad-signature-untrusted-key'), sign(unsignedOf(ok), stranger));
  await writeIndex(await derive('bad-signature-forged-key-id'), sign(unsignedOf(ok), stranger, key.keyId));

  await rm(path.join(await derive('index-missing'), indexName));

  await writeFile(path.join(here, 'vectors.json'), JSON.stringify({ password: 'password.txt', trustedKey: 'vendor-test-key.pub.pem', vectors }, null, 2) + '\n');

  for (const vector of vectors) {
    const dir = path.join(here, vector.name);
    let bytes = 0;
    for (const name of await readdir(dir)) bytes += (await stat(path.join(dir, name))).size;
    console.log(`${vector.name.padEnd(30)} ${String(bytes).padStart(6)} bytes  ${vector.code ?? 'ok'}`);
  }
}

await main();

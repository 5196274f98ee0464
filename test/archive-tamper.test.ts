import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatVersion, type ArchiveIndex } from '../src/archive/format.js';
import { publicKeyFromPem } from '../src/core/signing.js';
import { inspectArchive, verifyArchive } from '../src/archive/verify.js';
import { errorCodes, RepatriateError, type ErrorCode } from '../src/core/errors.js';
import { silentProgress } from '../src/core/progress.js';
import { initCloud } from '../src/platform/cloud.js';
import { takeSnapshot } from '../src/platform/snapshot.js';
import { removeDir, root, runCli, tempDir } from './helpers.js';

/**
 * B3 (verify without restoring), R4 (a wrong password, a tampered or truncated archive is
 * refused), B6 (open format: the standard `age` tool and `tar` read it).
 *
 * Part 1: the golden vectors in test/golden/ (made by test/golden/make.ts), in one loop.
 * Part 2: a real build of a small reference cloud, copied and tampered with, refused by the CLI.
 */

const golden = path.join(root, 'test/golden');

interface Vector {
  readonly name: string;
  readonly outcome: string;
  readonly code: ErrorCode | null;
  readonly description: string;
}

const manifest = JSON.parse(readFileSync(path.join(golden, 'vectors.json'), 'utf8')) as { password: string; trustedKey: string; vectors: Vector[] };
const goldenPassword = readFileSync(path.join(golden, manifest.password), 'utf8').split(/\r?\n/)[0]!;
const goldenTrusted = [publicKeyFromPem(readFileSync(path.join(golden, manifest.trustedKey), 'utf8'))];

/** 'ok', or the code of the RepatriateError the promise rejects with. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof RepatriateError ? error.code : `not a RepatriateError: ${String(error)}`),
  );
}

/** The exit codes docs/errors.md documents, by error code. */
function documentedExitCodes(): Map<string, number> {
  const documented = new Map<string, number>();
  for (const line of readFileSync(path.join(root, 'docs/errors.md'), 'utf8').split('\n')) {
    const row = /^\|\s*(\d+)\s*\|\s*`(REPAT_[A-Z_]+)`\s*\|/.exec(line);
    if (row) documented.set(row[2]!, Number(row[1]));
  }
  return documented;
}

/** Decrypts an age file with the standard `age` command; it reads a passphrase only from a terminal, so `script` gives it one. */
function ageDecrypt(file: string, out: string, passphrase: string): Promise<void> {
  assert.ok(!/'/.test(file + out), 'paths without quotes');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `age --decrypt --output '${out}' '${file}'`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let sent = false;
    const timer = setTimeout(() => child.kill(), 60_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (!sent && /passphrase/i.test(output)) {
        sent = true;
        child.stdin.end(passphrase + '\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`age --decrypt ${file} exited ${code}: ${output}`));
    });
  });
}

function tarList(file: string): string[] {
  const listed = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  return listed.stdout.split('\n').filter((l) => l.length > 0);
}

/** Every archive volume decrypted with the `age` tool and listed with `tar`: the member names in order. */
async function membersByStandardTools(dir: string, volumes: readonly string[], passphrase: string, scratch: string): Promise<string[]> {
  const names: string[] = [];
  for (const volume of volumes) {
    const tarFile = path.join(scratch, `${volume}.tar`);
    await ageDecrypt(path.join(dir, volume), tarFile, passphrase);
    names.push(...tarList(tarFile));
  }
  return names;
}

function contentsNames(tarFile: string): string[] {
  const extracted = spawnSync('tar', ['-xOf', tarFile, 'contents.json'], { encoding: 'utf8' });
  assert.equal(extracted.status, 0, extracted.stderr);
  return (JSON.parse(extracted.stdout) as { members: { name: string }[] }).members.map((m) => m.name);
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) bytes += (await stat(path.join(dir, name))).size;
  return bytes;
}

describe('golden archive vectors (test/golden)', () => {
  // ONE loop over every vector: verify (with the password) and inspect (without) must give the labelled outcome.
  for (const vector of manifest.vectors) {
    test(`B3 R4 golden vector ${vector.name}: ${vector.outcome}${vector.code ? ` (${vector.code})` : ''}`, async () => {
      const dir = path.join(golden, vector.name);
      assert.equal(await outcome(verifyArchive(dir, goldenTrusted, { passphrase: goldenPassword })), vector.code ?? 'ok', `verify: ${vector.description}`);
      // inspect needs no password, so it catches everything but the wrong password.
      const inspectExpected = vector.code === null || vector.code === 'REPAT_PASSWORD_WRONG' ? 'ok' : vector.code;
      assert.equal(await outcome(inspectArchive(dir, goldenTrusted)), inspectExpected, `inspect: ${vector.description}`);
      assert.ok((await folderBytes(dir)) <= 20 * 1024, `${vector.name} stays under 20 kB`);
    });
  }

  test('B3 B6 an archive of every released format version stays readable (v1-ok is format 1)', async () => {
    for (let version = 1; version <= formatVersion; version++) {
      const vector = manifest.vectors.find((v) => v.name === `v${version}-ok`);
      assert.ok(vector, `test/golden/v${version}-ok exists: a released format version needs its ok vector`);
      assert.equal(vector.code, null);
      const dir = path.join(golden, vector.name);
      const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as ArchiveIndex;
      assert.equal(index.format, version);
      const report = await verifyArchive(dir, goldenTrusted, { passphrase: goldenPassword });
      assert.equal(report.index.volumes.length, 2);
      assert.equal(report.members, 3, 'header.json, a table part, a file (contents.json apart)');
      assert.equal(report.rows, 3);
      assert.equal(report.files, 1);
      assert.deepEqual(report.contents.tables, { b_user: 3 });
    }
    // Every outcome the brief names has a vector.
    const outcomes = new Set(manifest.vectors.map((v) => v.outcome));
    for (const o of ['ok', 'hash mismatch', 'truncated volume', 'missing volume', 'unknown format version', 'wrong password', 'bad signature']) assert.ok(outcomes.has(o), o);
  });

  test('B6 the v1-ok vector decrypts with the standard age tool and lists with tar', async () => {
    const scratch = await tempDir('golden-age');
    try {
      const names = await membersByStandardTools(path.join(golden, 'v1-ok'), ['vol-0000.age', 'vol-0001.age'], goldenPassword, scratch);
      assert.deepEqual(names, ['header.json', 'tables/b_user/0000.tsv.zst', 'files/disk/hello.txt', 'contents.json']);
      assert.deepEqual(contentsNames(path.join(scratch, 'vol-0001.age.tar')), names.slice(0, -1));
      const rows = spawnSync('sh', ['-c', `tar -xOf '${path.join(scratch, 'vol-0000.age.tar')}' tables/b_user/0000.tsv.zst | zstd -dc`], { encoding: 'utf8' });
      assert.equal(rows.status, 0, rows.stderr);
      assert.equal(rows.stdout.split('\n').filter(Boolean).length, 3);
    } finally {
      await removeDir(scratch);
    }
  });
});

describe('tampering with a real build is refused by verify and inspect (CLI)', () => {
  const account = 'https://acme.cloud.example';
  const night = '2026-11-24';
  const password = 'tamper-test-password-7f3a';
  let home: string;
  let archive: string;
  let passwordFile: string;
  let volumes: string[];
  let copies = 0;

  before(async () => {
    home = await tempDir('tamper');
    // 8 MB of cloud gives acme more than 2 MB of archive: two volumes at --volume-size 2MB.
    await initCloud(home, { seed: 3, tenants: 2, size: 8e6 }, silentProgress);
    await takeSnapshot(home, night);
    passwordFile = path.join(home, 'password.txt');
    await writeFile(passwordFile, password + '\n');
    archive = path.join(home, 'archive');
    const built = await runCli(['build', '--account', account, '--snapshot', night, '--out', archive, '--volume-size', '2MB', '--password-file', passwordFile, '--json'], home);
    assert.equal(built.code, 0, built.stderr);
    volumes = (JSON.parse(built.stdout) as { volumes: { name: string }[] }).volumes.map((v) => v.name);
    assert.deepEqual(volumes.slice(0, 2), ['vol-0000.age', 'vol-0001.age'], 'at least two volumes');
  });

  after(async () => {
    await removeDir(home);
  });

  /** A fresh copy of the built archive to damage. */
  async function copy(): Promise<string> {
    const dir = path.join(home, `copy-${copies++}`);
    await cp(archive, dir, { recursive: true });
    return dir;
  }

  async function readIndexJson(dir: string): Promise<ArchiveIndex> {
    return JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as ArchiveIndex;
  }

  async function flipMiddleByte(file: string): Promise<void> {
    const bytes = await readFile(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await writeFile(file, bytes);
  }

  /**
   * The command fails with the error code's exit code: on a terminal a clear message and a hint on
   * stderr and nothing on stdout; with --json the code in `error.code` on stdout.
   */
  async function assertRefused(args: readonly string[], code: ErrorCode, exit: number, message: RegExp): Promise<void> {
    assert.equal(errorCodes[code].exit, exit, `${code} exits ${exit}`);
    const human = await runCli(args, home);
    assert.equal(human.code, exit, `${args.join(' ')}: exit code\n${human.stderr}`);
    assert.match(human.stderr, /^repatriate: error: \S/m, 'a clear message on stderr');
    assert.match(human.stderr, message);
    assert.match(human.stderr, /^hint: \S/m, 'and a hint naming the fix');
    assert.equal(human.stdout, '', 'nothing claims success on stdout');
    assert.ok(!human.stderr.includes(password), 'the password never appears in a message');

    const json = await runCli([...args, '--json'], home);
    assert.equal(json.code, exit, `${args.join(' ')} --json: exit code\n${json.stdout}${json.stderr}`);
    const parsed = JSON.parse(json.stdout) as { error: { code: string; message: string; hint?: string } };
    assert.equal(parsed.error.code, code);
    assert.match(parsed.error.message, message);
    assert.ok(parsed.error.hint, 'the JSON error carries the hint');
    assert.ok(!json.stdout.includes(password), 'the password never appears in a message');
  }

  const verifyArgs = (dir: string, file = passwordFile): string[] => ['verify', dir, '--password-file', file];

  test('B3 the untouched build passes inspect and verify (the baseline the tampered copies differ from)', async () => {
    const inspected = await runCli(['inspect', archive, '--json'], home);
    assert.equal(inspected.code, 0, inspected.stdout + inspected.stderr);
    assert.equal((JSON.parse(inspected.stdout) as { ok: boolean }).ok, true);
    const verified = await runCli(['verify', archive, '--password-file', passwordFile], home);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /ok: every member matches contents\.json/);
  });

  test('B6 the real build decrypts with the standard age tool and every member lists with tar', async () => {
    const scratch = await tempDir('tamper-age');
    try {
      const names = await membersByStandardTools(archive, volumes, password, scratch);
      assert.equal(names.at(-1), 'contents.json', 'contents.json is the last member');
      assert.deepEqual(contentsNames(path.join(scratch, `${volumes.at(-1)!}.tar`)), names.slice(0, -1), 'tar lists exactly what contents.json lists, in order');
      assert.ok(names.includes('header.json') && names.some((n) => n.startsWith('tables/')) && names.some((n) => n.startsWith('files/')));
    } finally {
      await removeDir(scratch);
    }
  });

  test('B3 R4 a flipped byte in the middle of vol-0001.age is refused by verify and inspect', async () => {
    const dir = await copy();
    await flipMiddleByte(path.join(dir, 'vol-0001.age'));
    const message = /volume vol-0001\.age: .* does not match its SHA-256 in the index/;
    await assertRefused(verifyArgs(dir), 'REPAT_ARCHIVE_HASH_MISMATCH', 12, message);
    await assertRefused(['inspect', dir], 'REPAT_ARCHIVE_HASH_MISMATCH', 12, message);
  });

  test('B3 R4 the last volume truncated by 100 bytes is refused by verify and inspect', async () => {
    const dir = await copy();
    const last = path.join(dir, volumes.at(-1)!);
    const size = (await stat(last)).size;
    await truncate(last, size - 100);
    const message = new RegExp(`volume ${volumes.at(-1)!.replace('.', '\\.')} has ${size - 100} bytes, the index says ${size}`);
    await assertRefused(verifyArgs(dir), 'REPAT_ARCHIVE_TRUNCATED', 11, message);
    await assertRefused(['inspect', dir], 'REPAT_ARCHIVE_TRUNCATED', 11, message);
  });

  test('B3 R4 a deleted volume is refused by verify and inspect', async () => {
    const dir = await copy();
    await rm(path.join(dir, 'vol-0000.age'));
    const message = /volume vol-0000\.age is missing/;
    await assertRefused(verifyArgs(dir), 'REPAT_ARCHIVE_VOLUME_MISSING', 11, message);
    await assertRefused(['inspect', dir], 'REPAT_ARCHIVE_VOLUME_MISSING', 11, message);
  });

  test('B3 R4 verify with a wrong password is refused, and neither password shows in the message', async () => {
    const wrong = 'not-the-archive-password-91c2';
    const wrongFile = path.join(home, 'wrong-password.txt');
    await writeFile(wrongFile, wrong + '\n');
    await assertRefused(verifyArgs(archive, wrongFile), 'REPAT_PASSWORD_WRONG', 13, /the password does not open the archive/);
    const again = await runCli([...verifyArgs(archive, wrongFile), '--json'], home);
    assert.ok(!again.stdout.includes(wrong) && !again.stderr.includes(wrong), 'the wrong password is not echoed either');
  });

  test('B3 R4 an index.json altered after signing (expiresAt a year later) is refused by verify and inspect', async () => {
    const dir = await copy();
    const index = await readIndexJson(dir);
    const later = new Date(Date.parse(index.expiresAt) + 365 * 86_400_000).toISOString();
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ ...index, expiresAt: later }, null, 2) + '\n');
    const message = /the signature of index\.json does not match its content/;
    await assertRefused(verifyArgs(dir), 'REPAT_ARCHIVE_SIGNATURE', 10, message);
    await assertRefused(['inspect', dir], 'REPAT_ARCHIVE_SIGNATURE', 10, message);
  });

  test('B3 R4 a flipped byte with the index hashes rewritten to match is still refused: the signature covers them', async () => {
    const dir = await copy();
    const file = path.join(dir, 'vol-0000.age');
    await flipMiddleByte(file);
    const sha = createHash('sha256').update(await readFile(file)).digest('hex');
    const index = await readIndexJson(dir);
    const volumesFixed = index.volumes.map((v) => (v.name === 'vol-0000.age' ? { ...v, sha256: sha, chunks: [sha] } : v));
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ ...index, volumes: volumesFixed }, null, 2) + '\n');
    const message = /the signature of index\.json does not match its content/;
    await assertRefused(verifyArgs(dir), 'REPAT_ARCHIVE_SIGNATURE', 10, message);
    await assertRefused(['inspect', dir], 'REPAT_ARCHIVE_SIGNATURE', 10, message);
  });

  test('B3 R4 docs/errors.md documents the exit code of every archive refusal', () => {
    const documented = documentedExitCodes();
    const codes = new Set<ErrorCode>(['REPAT_ARCHIVE_HASH_MISMATCH', 'REPAT_ARCHIVE_TRUNCATED', 'REPAT_ARCHIVE_VOLUME_MISSING', 'REPAT_PASSWORD_WRONG', 'REPAT_ARCHIVE_SIGNATURE']);
    for (const vector of manifest.vectors) if (vector.code) codes.add(vector.code);
    const missing = [...codes].filter((code) => documented.get(code) !== errorCodes[code].exit).map((code) => `| ${errorCodes[code].exit} | \`${code}\` | ${errorCodes[code].summary} |`);
    assert.deepEqual(missing, [], `docs/errors.md lacks (or disagrees with) these rows:\n${missing.join('\n')}`);
  });
});

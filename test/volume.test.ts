import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chunkSize } from '../src/archive/format.js';
import { checkVolume } from '../src/archive/reader.js';
import { VolumeWriter } from '../src/archive/volume.js';

test('B4 a member whose source fails mid-way aborts the volume: abort() returns and leaves no partial file', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'repat-volume-'));
  try {
    const writer = await VolumeWriter.open(dir, 0, { kind: 'passphrase', passphrase: 'volume test', scryptLogN: 10 });
    await writer.add('first.txt', 5, [Buffer.from('hello')], new Date(0));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(70_000, 1);
      throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' });
    }
    await assert.rejects(writer.add('second.bin', 140_000, failing(), new Date(0)), /EISDIR/);
    // Before the fix, abort() waited forever for a pipeline whose source never ended.
    const aborted = await Promise.race([writer.abort().then(() => 'aborted'), new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000).unref())]);
    assert.equal(aborted, 'aborted');
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('R2 a volume of several chunks is checked on threads: every chunk matches the sha256sum of its bytes, and a flipped byte names its chunk', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'repat-volume-'));
  try {
    const size = 2 * chunkSize + 1_234_567;
    const data = randomBytes(size);
    const file = path.join(dir, 'vol-0001.age');
    await writeFile(file, data);
    const chunks = [0, 1, 2].map((i) => execFileSync('sha256sum', { input: data.subarray(i * chunkSize, (i + 1) * chunkSize) }).toString().slice(0, 64));
    const volume = { name: 'vol-0001.age', size, sha256: createHash('sha256').update(data).digest('hex'), chunks };
    assert.deepEqual(await checkVolume(dir, volume), { name: 'vol-0001.age', size, ok: true });
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([data[chunkSize + 99]! ^ 1]), 0, 1, chunkSize + 99);
    await handle.close();
    await assert.rejects(checkVolume(dir, volume), /volume vol-0001\.age: chunk 1 does not match its SHA-256 in the index/);
    await assert.rejects(checkVolume(dir, { ...volume, chunks: chunks.slice(0, 2) }), /the chunk list does not match/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

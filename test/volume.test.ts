import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
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

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromChunkHasher, ToChunkHasher } from './chunk-hashes.js';

/** A thread of chunk-hashes.ts: the SHA-256 of one byte range of a file per message, read through one reused buffer. */
const port = parentPort!;
const buffer = Buffer.allocUnsafe(1024 * 1024);

function hashRange({ file, start, length }: ToChunkHasher): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    for (let done = 0; done < length; ) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, length - done), start + done);
      if (read === 0) throw new Error(`the file ends at byte ${start + done}`);
      hash.update(buffer.subarray(0, read));
      done += read;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

port.on('message', (task: ToChunkHasher) => {
  let answer: FromChunkHasher;
  try {
    answer = { type: 'hash', sha256: hashRange(task) };
  } catch (error) {
    answer = { type: 'error', message: (error as Error).message };
  }
  port.postMessage(answer);
});

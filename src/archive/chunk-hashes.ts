import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { forEachChunk } from '../core/file-chunks.js';
import { moduleWorker } from '../core/module-worker.js';
import { chunkSize } from './format.js';

/** A byte range of a file for a hashing thread (chunk-hash-worker.ts), and its answer. */
export interface ToChunkHasher {
  readonly file: string;
  readonly start: number;
  readonly length: number;
}
export type FromChunkHasher = { readonly type: 'hash'; readonly sha256: string } | { readonly type: 'error'; readonly message: string };

/**
 * The SHA-256 of each 64 MiB chunk of a volume, the chunks hashed on one thread per core at
 * once (a single hash runs at the speed of one core). `check(index, sha256)` sees each chunk's
 * hash as it is ready; when it throws, the other threads are stopped and its error is the
 * result. A volume of one chunk is hashed on the calling thread.
 */
export async function checkChunkHashes(file: string, size: number, check: (index: number, sha256: string) => void): Promise<void> {
  const count = Math.max(1, Math.ceil(size / chunkSize));
  const threads = Math.min(count, availableParallelism());
  if (threads === 1) {
    const hash = createHash('sha256');
    await forEachChunk(file, (data) => hash.update(data));
    check(0, hash.digest('hex'));
    return;
  }
  const workers: Worker[] = [];
  let next = 0;
  const run = async (worker: Worker): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      const start = index * chunkSize;
      const answer = await ask(worker, { file, start, length: Math.min(chunkSize, size - start) });
      if (answer.type === 'error') throw new Error(`chunk ${index} could not be read: ${answer.message}`);
      check(index, answer.sha256);
    }
  };
  try {
    for (let i = 0; i < threads; i++) workers.push(moduleWorker(new URL('./chunk-hash-worker.js', import.meta.url)));
    await Promise.all(workers.map(run));
  } finally {
    // A failed check leaves the other threads mid-chunk: they are ended, not waited for.
    next = count;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function ask(worker: Worker, task: ToChunkHasher): Promise<FromChunkHasher> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (answer: FromChunkHasher): void => {
      done();
      resolve(answer);
    };
    const onError = (error: Error): void => {
      done();
      reject(new Error(`the hashing thread failed: ${error.message}`));
    };
    const onExit = (): void => {
      done();
      reject(new Error('the hashing thread ended'));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(task);
  });
}

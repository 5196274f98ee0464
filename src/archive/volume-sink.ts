import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { BatchSender } from '../core/batches.js';
import { chunkSize } from './format.js';

/**
 * The end of a volume's pipeline: the ciphertext is written to its file and hashed (the whole
 * volume and every 64 MiB chunk, for index.json) on a worker thread of its own. On the main
 * thread these two hashes cost about as much as the encryption itself, while the main thread
 * also reads the rows, builds the tar stream and encrypts.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { file, chunkSize } = workerData;
let fd;
const whole = createHash('sha256');
let chunk = createHash('sha256');
let inChunk = 0;
let size = 0;
const chunks = [];
function hash(data) {
  whole.update(data);
  size += data.length;
  for (let at = 0; at < data.length; ) {
    const take = Math.min(data.length - at, chunkSize - inChunk);
    chunk.update(data.subarray(at, at + take));
    inChunk += take;
    at += take;
    if (inChunk === chunkSize) {
      chunks.push(chunk.digest('hex'));
      chunk = createHash('sha256');
      inChunk = 0;
    }
  }
}
function close() {
  if (fd !== undefined) fs.closeSync(fd);
  fd = undefined;
}
parentPort.on('message', (message) => {
  try {
    if (message.type === 'data') {
      fd ??= fs.openSync(file, 'w');
      const data = new Uint8Array(message.buffer, 0, message.length);
      for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at);
      hash(data);
      parentPort.postMessage({ type: 'ack', buffer: message.buffer }, [message.buffer]);
    } else if (message.type === 'end') {
      fd ??= fs.openSync(file, 'w');
      close();
      if (inChunk > 0 || chunks.length === 0) chunks.push(chunk.digest('hex'));
      parentPort.postMessage({ type: 'done', size, sha256: whole.digest('hex'), chunks });
    } else if (message.type === 'close') {
      close();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (error) {
    try { close(); } catch {}
    parentPort.postMessage({ type: 'error', code: error.code, message: error.message });
  }
});
`;

export interface VolumeDigest {
  readonly size: number;
  readonly sha256: string;
  readonly chunks: string[];
}

type FromWorker =
  | { readonly type: 'ack'; readonly buffer: ArrayBuffer }
  | ({ readonly type: 'done' } & VolumeDigest)
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly code?: string; readonly message: string };

export class HashedFileSink extends Writable {
  private readonly worker: Worker;
  private readonly sender: BatchSender;
  private failure: Error | undefined;
  private waiter: { readonly want: 'done' | 'closed'; resolve(value?: VolumeDigest): void; reject(error: Error): void } | undefined;
  private exited = false;
  /** Size and hashes of what was written; set once the stream has finished. */
  digest: VolumeDigest | undefined;

  constructor(file: string) {
    super({ highWaterMark: 1024 * 1024 });
    this.worker = new Worker(workerSource, { eval: true, workerData: { file, chunkSize } });
    this.sender = new BatchSender(this.worker);
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'ack') return this.sender.returned(message.buffer);
      if (message.type === 'error') return this.fail(Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
      const waiter = this.waiter;
      this.waiter = undefined;
      if (message.type === 'done') waiter?.resolve({ size: message.size, sha256: message.sha256, chunks: message.chunks });
      else waiter?.resolve();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => {
      this.exited = true;
      this.fail(new Error('the volume writer thread ended'));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.sender.fail(this.failure);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  private ask(want: 'done' | 'closed'): Promise<VolumeDigest | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { want, resolve, reject };
      this.worker.postMessage({ type: want === 'done' ? 'end' : 'close' });
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.sender.write(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    try {
      this.sender.flush();
    } catch (error) {
      return done(error as Error);
    }
    this.ask('done').then((digest) => {
      this.digest = digest;
      done();
    }, done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // The file is closed by the thread that opened it before the thread ends.
    const closed = this.exited || this.digest ? Promise.resolve(undefined) : this.ask('closed').catch(() => undefined);
    void closed.then(() => this.worker.terminate()).finally(() => done(error));
  }
}

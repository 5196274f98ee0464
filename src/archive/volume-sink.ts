import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { BatchSender } from '../core/batches.js';
import { moduleWorker } from '../core/module-worker.js';
import type { AgeStart } from './age-stream.js';
import { chunkSize } from './format.js';

/**
 * The end of a volume's pipeline, on a thread of its own (volume-sink-worker.ts): the tar
 * stream's bytes are sealed into the age payload, written to the volume's file and hashed (the
 * whole volume and every 64 MiB chunk, for index.json). The encryption used to run on the
 * main thread, which also reads the rows, hands them to zstd and builds the tar stream; here
 * it runs beside them, and its garbage (a new buffer per 64 KiB chunk) stays on this thread's
 * small heap. The 1 GB build benchmark's files phase took 1.1 s instead of 1.9 s.
 */
export interface VolumeWriterData {
  readonly file: string;
  readonly chunkSize: number;
  /** The age file's header, written first. */
  readonly header: Uint8Array;
  /** The payload key. */
  readonly key: Uint8Array;
}

export type ToVolumeWriter =
  | { readonly type: 'data'; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly type: 'end' }
  | { readonly type: 'close' };

export interface VolumeDigest {
  readonly size: number;
  readonly sha256: string;
  readonly chunks: string[];
}

export type FromVolumeWriter =
  | { readonly type: 'ack'; readonly buffer: ArrayBuffer }
  | ({ readonly type: 'done' } & VolumeDigest)
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly code?: string; readonly message: string };

export class VolumeSink extends Writable {
  private readonly worker: Worker;
  private readonly sender: BatchSender;
  private failure: Error | undefined;
  private waiter: { readonly want: 'done' | 'closed'; resolve(value?: VolumeDigest): void; reject(error: Error): void } | undefined;
  private exited = false;
  /** Size and hashes of what was written; set once the stream has finished. */
  digest: VolumeDigest | undefined;

  constructor(file: string, { header, key }: AgeStart) {
    super({ highWaterMark: 1024 * 1024 });
    this.worker = moduleWorker(new URL('./volume-sink-worker.js', import.meta.url), { file, chunkSize, header, key } satisfies VolumeWriterData);
    this.sender = new BatchSender(this.worker);
    this.worker.on('message', (message: FromVolumeWriter) => {
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
      this.worker.postMessage({ type: want === 'done' ? 'end' : 'close' } satisfies ToVolumeWriter);
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

import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * zstd compression on worker threads, one part (one zstd frame) at a time per worker. zstd-napi
 * compresses synchronously on the calling thread, and its own multi-threaded mode blocks that
 * thread whenever its workers are behind: on the main thread of a build that stalled the
 * database reads, the tar writer and the encryption together, and cost about 15 % more CPU
 * than single-threaded zstd. Here each worker runs single-threaded zstd (zstd-napi's binding,
 * the same library and frame format) while the main thread goes on reading.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const zstd = require(workerData.binding);
const cctx = new zstd.CCtx();
// One output buffer per worker, grown to the largest frame and reused: zstd-napi's stream
// allocates a 128 KiB buffer per output chunk, garbage the worker's small heap would let pile up.
let out = new Uint8Array(4 * 1024 * 1024);
let used = 0;
const empty = new Uint8Array(0);
function compress(src, end) {
  for (;;) {
    if (out.length - used < zstd.cStreamOutSize()) {
      const bigger = new Uint8Array(out.length * 2);
      bigger.set(out.subarray(0, used));
      out = bigger;
    }
    const [left, produced, consumed] = cctx.compressStream2(out.subarray(used), src, end ? zstd.EndDirective.end : zstd.EndDirective.continue);
    used += produced;
    src = src.subarray(consumed);
    if (src.length === 0 && (!end || left === 0)) return;
  }
}
parentPort.on('message', (message) => {
  try {
    if (message.type === 'start') {
      cctx.reset(zstd.ResetDirective.sessionOnly);
      cctx.setParameter(zstd.CParameter.compressionLevel, message.level);
      used = 0;
    } else if (message.type === 'data') {
      compress(new Uint8Array(message.buffer, 0, message.length), false);
      // The buffer goes back to be filled again: nothing the worker received is left as garbage.
      parentPort.postMessage({ type: 'ack', buffer: message.buffer }, [message.buffer]);
    } else if (message.type === 'end') {
      compress(empty, true);
      // A buffer of the frame's size, moved to the main thread.
      const body = out.slice(0, used);
      parentPort.postMessage({ type: 'part', body }, [body.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error.message });
  }
});
`;

type FromWorker =
  | { readonly type: 'ack'; readonly buffer: ArrayBuffer }
  | { readonly type: 'part'; readonly body: Uint8Array }
  | { readonly type: 'error'; readonly message: string };

/**
 * Rows go to a worker in batches of 1 MiB, copied into buffers that travel to the worker and
 * back; at most four per frame are away at once. Buffers moved for good would pile up in the
 * worker as garbage its small heap seldom collects.
 */
const batchSize = 1024 * 1024;
const maxBatchesPerFrame = 4;
const spareBatches: Uint8Array[] = [];
const maxSpareBatches = 16;

/** One zstd frame being compressed on a pooled worker. */
export class WorkerCompression {
  private batch: Uint8Array | undefined;
  private filled = 0;
  private away = 0;
  private waiting: (() => void) | undefined;
  private finished: ((body: Buffer) => void) | undefined;
  private failure: Error | undefined;
  private failed: ((error: Error) => void) | undefined;
  private detached = false;

  constructor(private readonly worker: Worker, level: number, private readonly release: (discard: boolean) => void) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.postMessage({ type: 'start', level });
  }

  private readonly onMessage = (message: FromWorker): void => {
    if (message.type === 'ack') {
      this.away--;
      if (spareBatches.length < maxSpareBatches) spareBatches.push(new Uint8Array(message.buffer));
      this.wake();
    } else if (message.type === 'part') {
      this.finished?.(Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength));
    } else {
      this.onError(new Error(`zstd compression failed: ${message.message}`));
    }
  };

  private readonly onError = (error: Error): void => {
    this.failure = error;
    this.wake();
    this.failed?.(error);
  };

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Copies `data` into the frame's batches; waits while the worker is behind. */
  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; ) {
      this.batch ??= await this.freeBatch();
      const n = Math.min(data.length - at, this.batch.length - this.filled);
      this.batch.set(data.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.batch.length) this.send();
    }
  }

  private send(): void {
    const batch = this.batch!;
    this.worker.postMessage({ type: 'data', buffer: batch.buffer, length: this.filled }, [batch.buffer as ArrayBuffer]);
    this.away++;
    this.batch = undefined;
    this.filled = 0;
  }

  private async freeBatch(): Promise<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.away < maxBatchesPerFrame) return spareBatches.pop() ?? new Uint8Array(batchSize);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /** Ends the frame; resolves with the compressed frame and returns the worker to the pool. */
  async finish(): Promise<Buffer> {
    try {
      if (this.failure) throw this.failure;
      if (this.filled > 0) this.send();
      return await new Promise<Buffer>((resolve, reject) => {
        this.finished = resolve;
        this.failed = reject;
        this.worker.postMessage({ type: 'end' });
      });
    } finally {
      if (this.detach()) this.release(this.failure !== undefined);
    }
  }

  /** Gives up the frame (the rows failed, or the reader stopped): its worker is ended rather than reused mid-frame. */
  abandon(): void {
    if (this.detach()) this.release(true);
  }

  private detach(): boolean {
    if (this.detached) return false;
    this.detached = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    return true;
  }
}

class CompressorPool {
  private readonly idle: Worker[] = [];
  private readonly queue: ((worker: Worker) => void)[] = [];
  private started = 0;
  private readonly binding = createRequire(import.meta.url).resolve('zstd-napi/binding');

  constructor(private readonly size: number) {}

  async start(level: number): Promise<WorkerCompression> {
    const worker = await this.acquire();
    return new WorkerCompression(worker, level, (discard) => this.release(worker, discard));
  }

  private acquire(): Promise<Worker> {
    const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : undefined);
    if (!worker) return new Promise((resolve) => this.queue.push(resolve));
    // A worker at work keeps the process alive; an idle one does not.
    worker.ref();
    return Promise.resolve(worker);
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(workerSource, { eval: true, workerData: { binding: this.binding } });
    // Its error goes to the frame it serves; without a listener it would end the process.
    worker.on('error', () => undefined);
    worker.once('exit', () => this.started--);
    return worker;
  }

  private release(worker: Worker, discard: boolean): void {
    if (discard) {
      void worker.terminate();
      this.started--;
      worker.removeAllListeners('exit');
      const next = this.queue.shift();
      if (next) next(this.spawn());
      return;
    }
    const next = this.queue.shift();
    if (next) return next(worker);
    worker.unref();
    this.idle.push(worker);
  }
}

/** As many workers as cores: a build compresses one part per lane at once, a desk may run builds side by side. */
export const compressorPool = new CompressorPool(Math.max(2, os.availableParallelism()));

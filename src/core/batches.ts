import type { Worker } from 'node:worker_threads';

/**
 * Bytes for a worker thread, copied into batches (1 MiB by default) whose buffers travel to the
 * worker and back: a worker answers each `{ type: 'data', buffer, length }` by moving the
 * buffer back, which the owner hands to {@link BatchSender.returned}, and at most `maxAway`
 * (four by default) are away at once. Buffers moved to a worker for good would pile up there
 * as garbage its small heap seldom collects; small pieces (a 16-byte tag, a 100-byte row) each
 * sent as a message would cost more than their work.
 */
export interface BatchOptions {
  readonly batchSize?: number;
  readonly maxAway?: number;
}

/** Free buffers by size, shared by every sender of the process. */
const spares = new Map<number, Uint8Array[]>();
const maxSpares = 16;

export class BatchSender {
  private batch: Uint8Array | undefined;
  private filled = 0;
  private away = 0;
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly batchSize: number;
  private readonly maxAway: number;
  private readonly free: Uint8Array[];

  constructor(private readonly worker: Worker, { batchSize = 1024 * 1024, maxAway = 4 }: BatchOptions = {}) {
    this.batchSize = batchSize;
    this.maxAway = maxAway;
    let free = spares.get(batchSize);
    if (!free) spares.set(batchSize, (free = []));
    this.free = free;
  }

  /** The worker is done with a batch: its buffer is free again. */
  returned(buffer: ArrayBuffer): void {
    this.away--;
    if (this.free.length < maxSpares) this.free.push(new Uint8Array(buffer));
    this.wake();
  }

  /** The worker failed: every write from now on rejects with `error`. */
  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }

  /** Copies `data` into batches; waits while the worker is behind. */
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

  /** Sends the last, partly filled batch. */
  flush(): void {
    if (this.failure) throw this.failure;
    if (this.filled > 0) this.send();
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
      if (this.away < this.maxAway) return this.free.pop() ?? new Uint8Array(this.batchSize);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

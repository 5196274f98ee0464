import type { Worker } from 'node:worker_threads';

/**
 * Bytes for a worker thread, copied into batches of 1 MiB whose buffers travel to the worker
 * and back: a worker answers each `{ type: 'data', buffer, length }` with `{ type: 'ack',
 * buffer }`, moving the buffer back, and at most four are away at once. Buffers moved to a
 * worker for good would pile up there as garbage its small heap seldom collects; small
 * pieces (a 16-byte tag, a 100-byte row) each sent as a message would cost more than their
 * work.
 */
const batchSize = 1024 * 1024;
const maxAway = 4;
const spares: Uint8Array[] = [];
const maxSpares = 16;

export class BatchSender {
  private batch: Uint8Array | undefined;
  private filled = 0;
  private away = 0;
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {}

  /** The worker's ack: its buffer is free again. */
  returned(buffer: ArrayBuffer): void {
    this.away--;
    if (spares.length < maxSpares) spares.push(new Uint8Array(buffer));
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
      if (this.away < maxAway) return spares.pop() ?? new Uint8Array(batchSize);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

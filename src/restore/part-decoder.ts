import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { DecompressStream } from 'zstd-napi';
import { BatchSender } from '../core/batches.js';
import { moduleWorker } from '../core/module-worker.js';
import { partDigester, type DigestedRows, type PartDigest } from './digest.js';

/** Messages to a decoder thread (part-decoder-worker.ts). */
export type ToDecoder = { readonly type: 'start'; readonly hash: PartDigest } | { readonly type: 'data'; readonly buffer: ArrayBuffer; readonly length: number } | { readonly type: 'end' };

/** Messages from a decoder thread: a piece of rows (a copy), a batch it is done with (its buffer, moved back), the part's summary, or a failure. */
export type FromDecoder =
  | { readonly type: 'text'; readonly text: Uint8Array }
  | { readonly type: 'taken'; readonly buffer: ArrayBuffer }
  | { readonly type: 'end'; readonly rows: number; readonly digest: string }
  | { readonly type: 'error'; readonly message: string };

/** A part's rows as the archive holds them: how many, and their digest (digest.ts). */
export type DecodedPart = DigestedRows;

/** One part being decoded: its rows in COPY text, then their count and digest. */
export interface PartDecoding {
  /** The part's rows in COPY text, as they are decompressed. */
  text(): AsyncGenerator<Uint8Array>;
  /** Rows and digest, once {@link text} has been read to its end. */
  result(): DecodedPart;
}

/** Decompresses and digests a lane's table parts, one at a time. */
export interface LaneDecoder {
  decode(compressed: Uint8Array | AsyncIterable<Uint8Array>): PartDecoding;
  close(): Promise<void>;
}

/** Where a target's lanes decode their parts: on a thread each, or on the main thread (staged.ts says why per engine). */
export type DecoderPlacement = 'thread' | 'main';

/** A lane's decoder, digesting rows with the hash the target's server computes too. */
export function laneDecoder(placement: DecoderPlacement, hash: PartDigest): LaneDecoder {
  return placement === 'thread' ? new ThreadDecoder(hash) : new MainThreadDecoder(hash);
}

/** Decompresses and digests on the main thread, between the lanes' writes. */
class MainThreadDecoder implements LaneDecoder {
  constructor(private readonly hash: PartDigest) {}

  decode(compressed: Uint8Array | AsyncIterable<Uint8Array>): PartDecoding {
    const digest = partDigester(this.hash);
    // Fed in slices: one whole part in one write would come out as one chunk of the whole part.
    const plain = Readable.from(compressed instanceof Uint8Array ? slices(compressed, 128 * 1024) : compressed).pipe(new DecompressStream());
    let done = false;
    return {
      async *text() {
        const chunks = (plain as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await chunks.next().catch((error: unknown) => {
              throw new Error(`zstd decompression failed: ${(error as Error).message}`);
            });
            if (next.done) break;
            digest.update(next.value);
            yield next.value;
          }
          done = true;
        } finally {
          // A lane that stops early ends the decompression stream.
          if (!done) await chunks.return?.();
        }
      },
      result() {
        if (!done) throw new Error('the part has not been read to its end');
        const sum = digest.digest(); // first: it counts a last row without its line end
        return { rows: digest.rows, digest: sum };
      },
    };
  }

  async close(): Promise<void> {}
}

function* slices(data: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/**
 * A lane's table parts decompressed and digested on a thread of their own, so the main thread
 * only decrypts the archive and feeds the database connections. Compressed bytes go to the
 * thread in batches of 256 KiB; a batch's buffer is returned only once its rows have been
 * taken by the lane, so at most four batches' rows wait in memory, whatever the part's size.
 */
const batches = { batchSize: 256 * 1024, maxAway: 4 };

class ThreadDecoder implements LaneDecoder {
  private worker: Worker | undefined;
  private current: ThreadDecoding | undefined;

  constructor(private readonly hash: PartDigest) {}

  /** Starts decoding one part. Its rows must be read to the end (or given up) before the next part starts. */
  decode(compressed: Uint8Array | AsyncIterable<Uint8Array>): ThreadDecoding {
    if (this.current && !this.current.settled) throw new Error('a lane decodes one part at a time');
    const worker = (this.worker ??= this.spawn());
    this.current = new ThreadDecoding(worker, this.hash, compressed, () => this.discard(worker));
    return this.current;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private spawn(): Worker {
    const worker = moduleWorker(new URL('./part-decoder-worker.js', import.meta.url));
    // A thread given up may still report, or end, while the next part runs on a new one.
    const decoding = (): ThreadDecoding | undefined => (this.current?.worker === worker ? this.current : undefined);
    worker.on('message', (message: FromDecoder) => decoding()?.receive(message));
    worker.on('error', (error) => decoding()?.fail(new Error(`the part decoder thread failed: ${error.message}`)));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      decoding()?.fail(new Error('the part decoder thread ended'));
    });
    return worker;
  }

  /** A part given up half-way leaves its thread mid-frame: the thread is ended, the next part gets a new one. */
  private discard(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
  }
}

type Queued = Uint8Array | { readonly release: ArrayBuffer };

class ThreadDecoding implements PartDecoding {
  private readonly sender: BatchSender;
  private readonly queue: Queued[] = [];
  private summary: DecodedPart | undefined;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  settled = false;

  constructor(readonly worker: Worker, hash: PartDigest, compressed: Uint8Array | AsyncIterable<Uint8Array>, private readonly giveUp: () => void) {
    this.sender = new BatchSender(worker, batches);
    worker.postMessage({ type: 'start', hash } satisfies ToDecoder);
    this.feed(worker, compressed).catch((error: unknown) => this.fail(error as Error));
  }

  private async feed(worker: Worker, compressed: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    if (compressed instanceof Uint8Array) await this.sender.write(compressed);
    else for await (const chunk of compressed) await this.sender.write(chunk);
    this.sender.flush();
    if (!this.settled) worker.postMessage({ type: 'end' } satisfies ToDecoder);
  }

  receive(message: FromDecoder): void {
    if (this.settled) return;
    if (message.type === 'text') {
      this.queue.push(message.text);
    } else if (message.type === 'taken') {
      this.queue.push({ release: message.buffer });
    } else if (message.type === 'end') {
      this.summary = { rows: message.rows, digest: message.digest };
    } else {
      this.failure ??= new Error(`zstd decompression failed: ${message.message}`);
      this.sender.fail(this.failure);
    }
    this.signal();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.failure ??= error;
    this.sender.fail(this.failure);
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *text(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next instanceof Uint8Array) {
          yield next;
        } else if (next) {
          this.sender.returned(next.release);
        } else if (this.failure) {
          throw this.failure;
        } else if (this.summary) {
          this.settled = true;
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } finally {
      if (!this.settled) {
        this.settled = true;
        this.sender.fail(this.failure ?? new Error('the part was given up'));
        this.giveUp();
      }
    }
  }

  result(): DecodedPart {
    if (!this.summary || !this.settled) throw new Error('the part has not been read to its end');
    return this.summary;
  }
}

import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Recipient } from 'age-encryption';
import tar from 'tar-stream';
import { volumeName, type VolumeRecord } from './format.js';
import { VolumeSink } from './volume-sink.js';
import { ageStart, type AgeStart } from './age-stream.js';
import { NativeScryptRecipient } from './scrypt.js';

/** How a volume is encrypted: the archive password (scrypt) or X25519 recipients. */
export type Encryption =
  | { readonly kind: 'passphrase'; readonly passphrase: string; readonly scryptLogN: number }
  | { readonly kind: 'recipients'; readonly recipients: readonly string[] };

function recipientsOf(encryption: Encryption): (string | Recipient)[] {
  return encryption.kind === 'passphrase' ? [new NativeScryptRecipient(encryption.passphrase, encryption.scryptLogN)] : [...encryption.recipients];
}

/**
 * One volume being written: a tar stream, encrypted with age, hashed and written on a thread
 * of its own (volume-sink.ts) into `vol-NNNN.age.partial`, renamed to its final name only
 * when complete. Members are added one at a time.
 */
export class VolumeWriter {
  readonly name: string;
  private readonly sink: VolumeSink;
  private readonly done: Promise<void>;
  private readonly partial: string;
  /** Rejects as soon as writing the ciphertext fails (disk full, …); never resolves otherwise. */
  private readonly failed: Promise<never>;

  private constructor(
    readonly dir: string,
    readonly ordinal: number,
    private readonly pack: tar.Pack,
    private readonly plaintext: Readable,
    age: AgeStart,
  ) {
    this.name = volumeName(ordinal);
    this.partial = path.join(dir, `${this.name}.partial`);
    this.sink = new VolumeSink(this.partial, age);
    this.done = pipeline(plaintext, this.sink);
    this.failed = this.done.then(() => new Promise<never>(() => undefined));
    // A failure is reported through the next add() or finish(); until then it is not unhandled.
    this.failed.catch(() => undefined);
  }

  static async open(dir: string, ordinal: number, encryption: Encryption): Promise<VolumeWriter> {
    const pack = tar.pack();
    // tar-stream speaks streamx; a Node stream after it keeps backpressure through the pipeline.
    const plaintext = new PassThrough({ highWaterMark: 1024 * 1024 });
    pack.pipe(plaintext);
    // A member that fails breaks the tar stream; pass that on so the pipeline (and abort) ends.
    pack.on('error', (error: Error) => plaintext.destroy(error));
    return new VolumeWriter(dir, ordinal, pack, plaintext, await ageStart(recipientsOf(encryption)));
  }

  /** Adds one member; resolves when the member is in the tar stream, rejects if the volume cannot be written. */
  async add(name: string, size: number, content: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, mtime: Date): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      const entry = this.pack.entry({ name, size, mtime, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, (error) => (error ? reject(error) : resolve()));
      // A failing source is reported through reject(); unheard, the entry's 'error' event would crash the process.
      entry.on('error', () => undefined);
      void (async () => {
        try {
          for await (const chunk of content) {
            if (!entry.write(chunk)) await Promise.race([new Promise<void>((r) => entry.once('drain', () => r())), this.failed]);
          }
          entry.end(undefined);
        } catch (error) {
          entry.destroy(error as Error);
          reject(error);
        }
      })();
    });
    written.catch(() => undefined);
    await Promise.race([written, this.failed]);
  }

  /** Ends the tar stream, waits for the ciphertext to reach the disk, and names the volume. */
  async finish(): Promise<VolumeRecord> {
    this.pack.finalize();
    await this.done;
    await rename(this.partial, path.join(this.dir, this.name));
    const { size, sha256, chunks } = this.sink.digest!;
    return { name: this.name, size, sha256, chunks };
  }

  /** Stops writing and removes the partial file. */
  async abort(): Promise<void> {
    this.pack.destroy();
    // pipe() does not pass a destroyed source on: without this the pipeline would wait forever.
    this.plaintext.destroy(new Error('the volume was aborted'));
    await this.done.catch(() => undefined);
    await rm(this.partial, { force: true });
  }
}

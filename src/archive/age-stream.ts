import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { Decrypter, Encrypter, type Identity, type Recipient, type Stanza } from 'age-encryption';

/**
 * age v1 files with typage writing and reading the header (recipients, stanzas, MAC) and Node's
 * native ChaCha20-Poly1305 doing the payload (C2SP age §payload: HKDF-SHA256(file key, 16-byte
 * nonce, "payload") keys the STREAM construction, 64 KiB chunks, 11-byte big-endian counter and a
 * last-chunk flag as the 12-byte nonce). typage's JavaScript ChaCha ran at ~78 MB/s and was the
 * build's and the restore's busiest step; OpenSSL's runs at over 1 GB/s. The bytes are the same:
 * Debian's `age` and typage read what this writes, and this reads what they write.
 */
const chunkSize = 64 * 1024;
const tagSize = 16;
const sealedChunkSize = chunkSize + tagSize;

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: bigint, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(counter, 3);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A sealed chunk as its ciphertext and its tag, two buffers: joining them would copy every byte once more. */
function seal(key: Buffer, counter: bigint, last: boolean, plaintext: Buffer): [Buffer, Buffer] {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: tagSize });
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // a stream cipher: nothing is held back
  return [ciphertext, cipher.getAuthTag()];
}

function open(key: Buffer, counter: bigint, last: boolean, sealed: Buffer): Buffer | null {
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: tagSize });
  decipher.setAuthTag(sealed.subarray(sealed.length - tagSize));
  try {
    const plaintext = decipher.update(sealed.subarray(0, sealed.length - tagSize));
    decipher.final(); // checks the tag: the plaintext is returned only if it holds
    return plaintext;
  } catch {
    return null;
  }
}

/**
 * Cuts a byte stream into pieces of `size` bytes for the STREAM chunks. A piece that lies
 * whole inside an input buffer is passed as a view of it; only a piece that spans two inputs
 * is copied together, into one buffer that is reused: `each` must not keep the piece (the
 * cipher reads it and returns its output in a new buffer).
 */
class Chunker {
  private readonly partial: Buffer;
  private partialLength = 0;

  constructor(private readonly size: number) {
    this.partial = Buffer.allocUnsafe(size);
  }

  /** Calls `each` with every complete piece that more bytes follow (the last one may be the stream's last). */
  push(input: Buffer, each: (piece: Buffer) => void): void {
    let offset = 0;
    while (offset < input.length) {
      if (this.partialLength === this.size) {
        each(this.partial);
        this.partialLength = 0;
      }
      if (this.partialLength === 0 && input.length - offset > this.size) {
        each(input.subarray(offset, offset + this.size));
        offset += this.size;
        continue;
      }
      const take = Math.min(this.size - this.partialLength, input.length - offset);
      input.copy(this.partial, this.partialLength, offset, offset + take);
      this.partialLength += take;
      offset += take;
    }
  }

  /** What is left: the last piece, 0 to `size` bytes. */
  rest(): Buffer {
    return this.partial.subarray(0, this.partialLength);
  }
}

/** Sees the file key typage generates for a file; adds no stanza of its own. */
class FileKeyCapture implements Recipient {
  fileKey: Uint8Array | undefined;
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    this.fileKey = fileKey;
    return [];
  }
}

class StreamSealer extends Transform {
  private readonly chunks = new Chunker(chunkSize);
  private counter = 0n;

  constructor(
    private readonly key: Buffer,
    prefix: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.push(prefix);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // A chunk is sealed only once more bytes follow it: the last one carries the last-chunk flag.
    this.chunks.push(chunk, (plaintext) => this.sealed(seal(this.key, this.counter++, false, plaintext)));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.sealed(seal(this.key, this.counter, true, this.chunks.rest()));
    done();
  }

  private sealed([ciphertext, tag]: [Buffer, Buffer]): void {
    this.push(ciphertext);
    this.push(tag);
  }
}

/**
 * A Transform from plaintext to an age file for the given recipients. typage encrypts an empty
 * file to produce the header and payload nonce; the payload key derived from the captured file
 * key must open that file's empty last chunk, which proves both were taken correctly.
 */
export async function ageEncryptor(recipients: readonly (string | Recipient)[]): Promise<Transform> {
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const capture = new FileKeyCapture();
  encrypter.addRecipient(capture);
  const empty = Buffer.from(await encrypter.encrypt(new Uint8Array(0)));
  const nonce = empty.subarray(empty.length - tagSize - 16, empty.length - tagSize);
  if (!capture.fileKey) throw new Error('age: the file key was not captured');
  const key = payloadKey(capture.fileKey, nonce);
  if (open(key, 0n, true, empty.subarray(empty.length - tagSize)) === null) throw new Error('age: the captured file key does not open its own file');
  return new StreamSealer(key, Buffer.from(empty.subarray(0, empty.length - tagSize)));
}

const headerEnd = Buffer.from('\n--- ');
/** age headers are small; one larger than this is not an age file we wrote. */
const maxHeaderSize = 64 * 1024;

/**
 * Opens an age file: reads and authenticates the header (typage, with the given identity), then
 * returns the plaintext as a stream. Throws at once on a wrong identity or a damaged header;
 * payload damage or truncation surfaces as a stream error when that chunk is reached.
 */
export async function ageDecrypt(source: AsyncIterable<Buffer>, identity: Identity | string): Promise<Readable> {
  const input = source[Symbol.asyncIterator]();
  try {
    return await decryptWith(input, identity);
  } catch (error) {
    // A file source (core/file-chunks.ts) closes its handle when it is returned.
    await input.return?.();
    throw error;
  }
}

async function decryptWith(input: AsyncIterator<Buffer>, identity: Identity | string): Promise<Readable> {
  let buffered = Buffer.alloc(0);
  let headerSize = -1;
  while (headerSize < 0) {
    const marker = buffered.indexOf(headerEnd);
    const lineEnd = marker < 0 ? -1 : buffered.indexOf(0x0a, marker + headerEnd.length);
    if (lineEnd >= 0) {
      headerSize = lineEnd + 1;
      break;
    }
    if (buffered.length > maxHeaderSize) throw new Error('age: the header is too long or missing');
    const next = await input.next();
    if (next.done) throw new Error('age: the file ends inside its header');
    buffered = Buffer.concat([buffered, next.value]);
  }
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  const fileKey = await decrypter.decryptHeader(buffered.subarray(0, headerSize));
  return Readable.from(openPayload(fileKey, buffered.subarray(headerSize), input), { objectMode: false, highWaterMark: 1024 * 1024 });
}

/** The payload's plaintext; the source is returned (its file closed) however the payload ends, read to its end, failed or given up. */
async function* openPayload(fileKey: Uint8Array, start: Buffer, input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* openedPayload(fileKey, start, input);
  } finally {
    await input.return?.();
  }
}

async function* openedPayload(fileKey: Uint8Array, start: Buffer, input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let pending = start;
  while (pending.length < 16) {
    const next = await input.next();
    if (next.done) throw new Error('age: the file ends before its payload nonce');
    pending = Buffer.concat([pending, next.value]);
  }
  const key = payloadKey(fileKey, pending.subarray(0, 16));
  // Every whole chunk that is known not to be the last (more bytes follow it) is opened.
  const chunks = new Chunker(sealedChunkSize);
  let counter = 0n;
  const opened: Buffer[] = [];
  const openChunk = (sealed: Buffer): void => {
    const plain = open(key, counter++, false, sealed);
    if (plain === null) throw new Error('age: a payload chunk failed authentication (damaged file)');
    opened.push(plain);
  };
  chunks.push(pending.subarray(16), openChunk);
  for (;;) {
    yield* opened.splice(0);
    const next = await input.next();
    if (next.done) break;
    chunks.push(next.value, openChunk);
  }
  // The last chunk: never empty unless the whole file is, and it must carry the last-chunk flag.
  const last = chunks.rest();
  if (last.length < tagSize || (last.length === tagSize && counter > 0n)) throw new Error('age: the file is truncated');
  const plain = open(key, counter, true, last);
  if (plain === null) throw new Error('age: the last payload chunk failed authentication (damaged or truncated file)');
  if (plain.length > 0) yield plain;
}

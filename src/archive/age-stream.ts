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

function seal(key: Buffer, counter: bigint, last: boolean, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: tagSize });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, counter: bigint, last: boolean, sealed: Buffer): Buffer | null {
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: tagSize });
  decipher.setAuthTag(sealed.subarray(sealed.length - tagSize));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagSize)), decipher.final()]);
  } catch {
    return null;
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
  private pending: Buffer = Buffer.alloc(0);
  private counter = 0n;

  constructor(
    private readonly key: Buffer,
    prefix: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.push(prefix);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    // A chunk is sealed only once more bytes follow it: the last one carries the last-chunk flag.
    let offset = 0;
    while (this.pending.length - offset > chunkSize) {
      this.push(seal(this.key, this.counter++, false, this.pending.subarray(offset, offset + chunkSize)));
      offset += chunkSize;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(seal(this.key, this.counter, true, this.pending));
    done();
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

async function* openPayload(fileKey: Uint8Array, start: Buffer, input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let pending = start;
  while (pending.length < 16) {
    const next = await input.next();
    if (next.done) throw new Error('age: the file ends before its payload nonce');
    pending = Buffer.concat([pending, next.value]);
  }
  const key = payloadKey(fileKey, pending.subarray(0, 16));
  pending = pending.subarray(16);
  let counter = 0n;
  for (;;) {
    const next = await input.next();
    if (!next.done) pending = pending.length === 0 ? next.value : Buffer.concat([pending, next.value]);
    // Open every whole chunk that is known not to be the last (more bytes follow it).
    let offset = 0;
    while (pending.length - offset > sealedChunkSize) {
      const plain = open(key, counter++, false, pending.subarray(offset, offset + sealedChunkSize));
      if (plain === null) throw new Error('age: a payload chunk failed authentication (damaged file)');
      yield plain;
      offset += sealedChunkSize;
    }
    pending = offset === 0 ? pending : pending.subarray(offset);
    if (next.done) break;
  }
  // The last chunk: never empty unless the whole file is, and it must carry the last-chunk flag.
  if (pending.length < tagSize || (pending.length === tagSize && counter > 0n)) throw new Error('age: the file is truncated');
  const plain = open(key, counter, true, pending);
  if (plain === null) throw new Error('age: the last payload chunk failed authentication (damaged or truncated file)');
  if (plain.length > 0) yield plain;
}

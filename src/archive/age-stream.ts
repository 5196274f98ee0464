import { Readable } from 'node:stream';
import { Decrypter, Encrypter, type Identity, type Recipient, type Stanza } from 'age-encryption';
import { Chunker, open, payloadKey, sealedChunkSize, tagSize } from './age-payload.js';

/**
 * age v1 files with typage writing and reading the header (recipients, stanzas, MAC) and Node's
 * native ChaCha20-Poly1305 doing the payload (age-payload.ts). typage's JavaScript ChaCha ran
 * at ~78 MB/s and was the build's and the restore's busiest step; OpenSSL's runs at over
 * 1 GB/s. The bytes are the same: Debian's `age` and typage read what this writes, and this
 * reads what they write.
 */

/** Sees the file key typage generates for a file; adds no stanza of its own. */
class FileKeyCapture implements Recipient {
  fileKey: Uint8Array | undefined;
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    this.fileKey = fileKey;
    return [];
  }
}

/** How an age file for some recipients begins: its header (with the payload nonce), and the key that seals its payload. */
export interface AgeStart {
  readonly header: Buffer;
  readonly key: Buffer;
}

/**
 * The header and payload key of a new age file for the given recipients. typage encrypts an
 * empty file to produce the header and payload nonce; the payload key derived from the
 * captured file key must open that file's empty last chunk, which proves both were taken
 * correctly.
 */
export async function ageStart(recipients: readonly (string | Recipient)[]): Promise<AgeStart> {
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const capture = new FileKeyCapture();
  encrypter.addRecipient(capture);
  const empty = Buffer.from(await encrypter.encrypt(new Uint8Array(0)));
  const nonce = empty.subarray(empty.length - tagSize - 16, empty.length - tagSize);
  if (!capture.fileKey) throw new Error('age: the file key was not captured');
  const key = payloadKey(capture.fileKey, nonce);
  if (open(key, 0, true, empty.subarray(empty.length - tagSize)) === null) throw new Error('age: the captured file key does not open its own file');
  return { header: Buffer.from(empty.subarray(0, empty.length - tagSize)), key };
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
  let counter = 0;
  const opened: Buffer[] = [];
  const openChunk = (sealed: Uint8Array): void => {
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
  if (last.length < tagSize || (last.length === tagSize && counter > 0)) throw new Error('age: the file is truncated');
  const plain = open(key, counter, true, last);
  if (plain === null) throw new Error('age: the last payload chunk failed authentication (damaged or truncated file)');
  if (plain.length > 0) yield plain;
}

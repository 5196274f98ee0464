import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/**
 * The payload of an age v1 file (C2SP age §payload), with Node's native ChaCha20-Poly1305:
 * HKDF-SHA256(file key, 16-byte nonce, "payload") keys the STREAM construction, 64 KiB chunks,
 * an 11-byte big-endian counter and a last-chunk flag as the 12-byte nonce. Used on the main
 * thread (age-stream.ts) and on a volume's writer thread (volume-sink-worker.ts), so it
 * imports nothing but node:crypto.
 */
const payloadChunkSize = 64 * 1024;
export const tagSize = 16;
export const sealedChunkSize = payloadChunkSize + tagSize;

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // The counter's low six bytes: 2^48 chunks of 64 KiB are far more than any file.
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A sealed chunk as its ciphertext and its tag, two buffers: joining them would copy every byte once more. */
export function seal(key: Buffer, counter: number, last: boolean, plaintext: Uint8Array): [Buffer, Buffer] {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: tagSize });
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // a stream cipher: nothing is held back
  return [ciphertext, cipher.getAuthTag()];
}

export function open(key: Buffer, counter: number, last: boolean, sealed: Uint8Array): Buffer | null {
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
export class Chunker {
  private readonly partial: Buffer;
  private partialLength = 0;

  constructor(private readonly size: number) {
    this.partial = Buffer.allocUnsafe(size);
  }

  /** Calls `each` with every complete piece that more bytes follow (the last one may be the stream's last). */
  push(input: Uint8Array, each: (piece: Uint8Array) => void): void {
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
      this.partial.set(input.subarray(offset, offset + take), this.partialLength);
      this.partialLength += take;
      offset += take;
    }
  }

  /** What is left: the last piece, 0 to `size` bytes. */
  rest(): Buffer {
    return this.partial.subarray(0, this.partialLength);
  }
}

/** Seals a payload as it comes: `sealed` sees each chunk's ciphertext and tag, in order. */
export class PayloadSealer {
  private readonly chunks = new Chunker(payloadChunkSize);
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    private readonly sealed: (ciphertext: Buffer, tag: Buffer) => void,
  ) {}

  /** A chunk is sealed only once more bytes follow it: the last one carries the last-chunk flag. */
  push(plaintext: Uint8Array): void {
    this.chunks.push(plaintext, (piece) => this.sealed(...seal(this.key, this.counter++, false, piece)));
  }

  end(): void {
    this.sealed(...seal(this.key, this.counter, true, this.chunks.rest()));
  }
}

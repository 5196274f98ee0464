import { createHash } from 'node:crypto';

/** A stream that hashes what passes through it: bytes and SHA-256, read once it is consumed. */
export interface HashedStream<T extends Uint8Array> {
  readonly stream: AsyncIterable<T>;
  digest(): { readonly bytes: number; readonly sha256: string };
}

export function hashing<T extends Uint8Array>(source: AsyncIterable<T>): HashedStream<T> {
  const hash = createHash('sha256');
  let bytes = 0;
  let sha256: string | undefined;
  const stream = (async function* () {
    for await (const chunk of source) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  })();
  return { stream, digest: () => ({ bytes, sha256: (sha256 ??= hash.digest('hex')) }) };
}

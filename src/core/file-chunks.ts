import { open } from 'node:fs/promises';

/**
 * A file from start to end through one buffer that is reused for every chunk: the consumer must
 * be done with a chunk (hashed it, decrypted it) before it asks for the next. A read stream
 * allocates a fresh buffer per chunk instead: a gigabyte of garbage for the collector per pass
 * over a large archive, and a restore makes three (the preflight's hashes, the load, the
 * reconcile's file hashes).
 */
export async function* reusedChunks(file: string, size = 1024 * 1024): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, size, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Runs `each` on every chunk of a file, synchronously; it must not keep the chunk. */
export async function forEachChunk(file: string, each: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of reusedChunks(file)) each(chunk);
}

import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type * as Zstd from 'zstd-napi/binding.js';
import { RowDigest } from './digest.js';
import type { FromDecoder, ToDecoder } from './part-decoder.js';

/**
 * A lane's decoder thread (part-decoder.ts): decompresses a table part's zstd frame and digests
 * its rows. Output is decompressed into one scratch buffer and each piece copied out at its
 * size, which moves to the main thread: nothing the worker allocates stays behind as garbage.
 */
const zstd = createRequire(import.meta.url)('zstd-napi/binding') as typeof Zstd;
const port = parentPort!;
const dctx = new zstd.DCtx();
const scratch = new Uint8Array(zstd.dStreamOutSize());
let digest = new RowDigest();
let inFrame = false;

function decompress(input: Uint8Array): Uint8Array[] {
  const text: Uint8Array[] = [];
  let src = input;
  for (;;) {
    const [left, produced, consumed] = dctx.decompressStream(scratch, src);
    if (produced > 0) {
      const piece = scratch.slice(0, produced);
      digest.update(piece);
      text.push(piece);
    }
    src = src.subarray(consumed);
    if (src.length === 0 && (produced < scratch.length || left === 0)) {
      inFrame = left !== 0;
      return text;
    }
  }
}

function send(message: FromDecoder, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

port.on('message', (message: ToDecoder) => {
  try {
    if (message.type === 'start') {
      dctx.reset(zstd.ResetDirective.sessionOnly);
      digest = new RowDigest();
      inFrame = false;
    } else if (message.type === 'data') {
      const text = decompress(new Uint8Array(message.buffer, 0, message.length));
      send({ type: 'text', text, buffer: message.buffer }, [...text.map((t) => t.buffer as ArrayBuffer), message.buffer]);
    } else if (inFrame) {
      send({ type: 'error', message: 'the part ends in the middle of its zstd frame' });
    } else {
      send({ type: 'end', rows: digest.rows, digest: digest.digest() });
    }
  } catch (error) {
    send({ type: 'error', message: (error as Error).message });
  }
});

import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type * as Zstd from 'zstd-napi/binding.js';
import { partDigester } from './digest.js';
import type { FromDecoder, ToDecoder } from './part-decoder.js';

/**
 * A lane's decoder thread (part-decoder.ts): decompresses a table part's zstd frames and digests
 * its rows. Output is decompressed into one scratch buffer whose pieces are posted as copies:
 * the main thread allocates (and frees) what it receives. Pieces allocated here and moved
 * there were freed into this thread's malloc arena, which kept growing (40–60 MB more peak
 * RSS for a 0.2 GB archive).
 */
const zstd = createRequire(import.meta.url)('zstd-napi/binding') as typeof Zstd;
const port = parentPort!;
const dctx = new zstd.DCtx();
const scratch = new Uint8Array(zstd.dStreamOutSize());
let digest = partDigester('lookup3');
let inFrame = false;

function decompress(input: Uint8Array): void {
  let src = input;
  for (;;) {
    const [left, produced, consumed] = dctx.decompressStream(scratch, src);
    if (produced > 0) {
      const piece = scratch.subarray(0, produced);
      digest.update(piece);
      send({ type: 'text', text: piece });
    }
    src = src.subarray(consumed);
    if (src.length === 0 && (produced < scratch.length || left === 0)) {
      inFrame = left !== 0;
      return;
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
      digest = partDigester(message.hash);
      inFrame = false;
    } else if (message.type === 'data') {
      decompress(new Uint8Array(message.buffer, 0, message.length));
      send({ type: 'taken', buffer: message.buffer }, [message.buffer]);
    } else if (inFrame) {
      send({ type: 'error', message: 'the part ends in the middle of its zstd frame' });
    } else {
      const sum = digest.digest(); // first: it counts a last row without its line end
      send({ type: 'end', rows: digest.rows, digest: sum });
    }
  } catch (error) {
    send({ type: 'error', message: (error as Error).message });
  }
});

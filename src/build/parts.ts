import { once } from 'node:events';
import { CompressStream } from 'zstd-napi';

/**
 * Cuts a stream of COPY text into parts of about `partBytes` (always on a row boundary) and
 * compresses each with zstd. A part is held compressed in memory until it is archived, so
 * memory is bounded by the part size, never the table's.
 */
export interface CompressedPart {
  readonly chunks: Buffer[];
  readonly size: number;
  readonly rows: number;
  /** Bytes of COPY text before compression. */
  readonly raw: number;
}

export const zstdLevel = 3;

/**
 * The default bound of a part, in bytes of COPY text. Measured on a 0.4 GB account against
 * 32 MiB: the build used 15 % less CPU and 15 MB less memory (each lane holds a part's
 * compressed bytes and its zstd jobs), the restore held 10–28 MB less (it buffers one
 * compressed part per lane) at the same speed; at 8 MiB, MariaDB's per-part LOAD DATA
 * and commit made its restore 6 % slower.
 */
export const defaultPartBytes = 16 * 1024 ** 2;

function countRows(chunk: Uint8Array, from: number, to: number): number {
  let rows = 0;
  for (let i = chunk.indexOf(10, from); i !== -1 && i < to; i = chunk.indexOf(10, i + 1)) rows++;
  return rows;
}

class PartCompressor {
  private readonly stream = new CompressStream({ compressionLevel: zstdLevel, nbWorkers: 2 });
  private readonly chunks: Buffer[] = [];
  private size = 0;
  raw = 0;
  rows = 0;

  constructor() {
    this.stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
    });
  }

  async write(data: Uint8Array, rows: number): Promise<void> {
    this.raw += data.length;
    this.rows += rows;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async finish(): Promise<CompressedPart> {
    this.stream.end();
    await once(this.stream, 'end');
    return { chunks: this.chunks, size: this.size, rows: this.rows, raw: this.raw };
  }
}

export async function* compressedParts(rows: AsyncIterable<Uint8Array>, partBytes: number): AsyncGenerator<CompressedPart> {
  let part = new PartCompressor();
  for await (const chunk of rows) {
    let offset = 0;
    while (offset < chunk.length) {
      const room = partBytes - part.raw;
      if (chunk.length - offset < room) {
        await part.write(chunk.subarray(offset), countRows(chunk, offset, chunk.length));
        break;
      }
      // The part is full within this chunk: cut after the first row end at or past the limit.
      const cut = chunk.indexOf(10, offset + Math.max(room, 1) - 1);
      if (cut === -1) {
        await part.write(chunk.subarray(offset), countRows(chunk, offset, chunk.length));
        break;
      }
      await part.write(chunk.subarray(offset, cut + 1), countRows(chunk, offset, cut + 1));
      yield await part.finish();
      part = new PartCompressor();
      offset = cut + 1;
    }
  }
  if (part.raw > 0) yield await part.finish();
}

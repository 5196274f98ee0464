import { lineFeeds } from '../core/copy-text.js';
import type { Column } from '../core/schema.js';
import { Sum64 } from '../core/sum64.js';
import type { HashedRows } from '../engine/hashed-rows.js';
import type { RowQuery, SqlClient } from '../engine/types.js';
import { compressorPool, type WorkerCompression } from './compressor-pool.js';

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
  /** The sum of its rows' record hashes, when the source gave them (src/engine/postgres/record-hash.ts). */
  readonly rowHash?: string;
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

class PartCompressor {
  raw = 0;
  rows = 0;
  hashes: Sum64 | undefined;

  private constructor(private readonly compression: WorkerCompression) {}

  static async start(): Promise<PartCompressor> {
    return new PartCompressor(await compressorPool.start(zstdLevel));
  }

  /** Writes `rows` whole rows; `hashes` holds theirs from index `from` on. */
  async write(data: Uint8Array, rows: number, hashes?: ArrayLike<number>, from = 0): Promise<void> {
    this.raw += data.length;
    this.rows += rows;
    if (hashes) {
      this.hashes ??= new Sum64();
      for (let i = 2 * from; i < 2 * (from + rows); i += 2) this.hashes.add(hashes[i]!, hashes[i + 1]!);
    }
    await this.compression.write(data);
  }

  async finish(): Promise<CompressedPart> {
    const chunks = await this.compression.finish();
    const part = { chunks, size: chunks.reduce((sum, c) => sum + c.length, 0), rows: this.rows, raw: this.raw };
    return this.hashes ? { ...part, rowHash: this.hashes.hex() } : part;
  }

  abandon(): void {
    this.compression.abandon();
  }
}

export async function* compressedParts(rows: AsyncIterable<Uint8Array | HashedRows>, partBytes: number): AsyncGenerator<CompressedPart> {
  let part: PartCompressor | undefined = await PartCompressor.start();
  try {
    for await (const piece of rows) {
      const { data: chunk, hashes } = piece instanceof Uint8Array ? { data: piece, hashes: undefined } : piece;
      let offset = 0;
      /** Rows of this chunk written so far: where its hashes go on. */
      let rowsBefore = 0;
      const write = async (to: number): Promise<void> => {
        const count = lineFeeds(chunk, offset, to);
        await part!.write(chunk.subarray(offset, to), count, hashes, rowsBefore);
        rowsBefore += count;
      };
      while (offset < chunk.length) {
        const room = partBytes - part.raw;
        if (chunk.length - offset < room) {
          await write(chunk.length);
          break;
        }
        // The part is full within this chunk: cut after the first row end at or past the limit.
        const cut = chunk.indexOf(10, offset + Math.max(room, 1) - 1);
        if (cut === -1) {
          await write(chunk.length);
          break;
        }
        await write(cut + 1);
        const full: CompressedPart = await part.finish();
        part = undefined;
        yield full;
        part = await PartCompressor.start();
        offset = cut + 1;
      }
    }
    const last: CompressedPart = await part.finish();
    part = undefined;
    if (last.raw > 0) yield last;
  } finally {
    part?.abandon();
  }
}

/**
 * A table's rows from the source, cut into compressed parts. Where the source computes record
 * hashes (PostgreSQL, PGlite), each row's comes with it and each part carries their sum.
 */
export function exportedParts(db: SqlClient, query: RowQuery, columns: readonly Column[], partBytes: number): AsyncGenerator<CompressedPart> {
  return compressedParts(db.exportRowsWithHash ? db.exportRowsWithHash(query, columns) : db.exportRows(query), partBytes);
}

/** What contents.json records of a part besides its name, size and hash. */
export function partInfo(part: CompressedPart): { rows: number; raw: number; rowHash?: string } {
  return { rows: part.rows, raw: part.raw, ...(part.rowHash ? { rowHash: part.rowHash } : {}) };
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi/binding.js';
import { compressedParts, type CompressedPart } from '../src/build/parts.js';
import { laneDecoder } from '../src/restore/part-decoder.js';

const zstdBinding = createRequire(import.meta.url)('zstd-napi/binding') as typeof Zstd;

/** COPY-like text: rows of varied length, some longer than a compression batch. */
function rowsText(count: number): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) rows.push(`${i}\t${'näme\\t'.repeat(i % 37)}\t${i % 4_999 === 0 ? 'x'.repeat(1_500_000) : String(i * 7)}\n`);
  return Buffer.from(rows.join(''));
}

/** The text in uneven chunks: some own their buffer, some are views into a larger one. */
async function* chunked(text: Buffer, failAfter?: number): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = [1, 700, 65_536, 3_000_000, 13][i % 5]!;
    const piece = text.subarray(at, at + size);
    yield i % 2 === 0 ? Buffer.from(piece) : piece;
    at += size;
    sent += size;
    if (failAfter !== undefined && sent >= failAfter) throw new Error('the connection to the snapshot was lost');
  }
}

async function collect(parts: AsyncIterable<CompressedPart>): Promise<CompressedPart[]> {
  const all: CompressedPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

const unzstd = (part: CompressedPart): Buffer => execFileSync('zstd', ['-d', '-c'], { input: Buffer.concat(part.chunks), maxBuffer: 1 << 30 });

test('B6 parts are cut on row boundaries at the bound; each is a zstd file Debian zstd opens, and together they hold exactly the rows', async () => {
  const text = rowsText(20_000);
  const bound = 256 * 1024;
  const parts = await collect(compressedParts(chunked(text), bound));
  assert.ok(parts.length > 5, `${parts.length} parts`);
  const plain = parts.map(unzstd);
  assert.ok(Buffer.concat(plain).equals(text), 'the parts decompress to the rows, in order, nothing lost or doubled');
  for (const [i, part] of parts.entries()) {
    assert.equal(plain[i]!.length, part.raw);
    assert.equal(part.size, Buffer.concat(part.chunks).length);
    assert.equal(plain[i]!.at(-1), 10, `part ${i} ends on a row end`);
    assert.equal(part.rows, plain[i]!.toString().split('\n').length - 1, `part ${i} counts its rows`);
    const lastRowStart = plain[i]!.lastIndexOf(10, plain[i]!.length - 2) + 1;
    assert.ok(lastRowStart < bound, `part ${i} holds at most one row past the bound`);
    if (i < parts.length - 1) assert.ok(part.raw >= bound, `part ${i} is full`);
  }
  assert.equal(parts.reduce((sum, p) => sum + p.rows, 0), 20_000);
});

/** The sizes of the zstd frames a part is made of, in order. */
function frameSizes(data: Buffer): number[] {
  const sizes: number[] = [];
  for (let at = 0; at < data.length; ) {
    const size = zstdBinding.findFrameCompressedSize(data.subarray(at));
    sizes.push(size);
    at += size;
  }
  return sizes;
}

test('M9 a part is one zstd frame per MiB of its rows, each with its content size; Debian zstd and the restore decoders on both threads read them as one stream', async () => {
  const text = rowsText(30_000);
  const parts = await collect(compressedParts(chunked(text), 6 * 1024 * 1024));
  assert.ok(parts.length >= 2, `${parts.length} parts`);
  for (const [i, part] of parts.entries()) {
    const data = Buffer.concat(part.chunks);
    const frames = frameSizes(data);
    assert.equal(frames.length, Math.ceil(part.raw / (1024 * 1024)), `part ${i}: ${part.raw} bytes of rows in ${frames.length} frames`);
    let contentSizes = 0;
    for (let at = 0, f = 0; f < frames.length; at += frames[f]!, f++) contentSizes += zstdBinding.getFrameContentSize(data.subarray(at))!;
    assert.equal(contentSizes, part.raw, `part ${i}: the frames' content sizes add up to its rows`);
    const plain = unzstd(part);
    assert.ok(plain.equals(text.subarray(parts.slice(0, i).reduce((sum, p) => sum + p.raw, 0)).subarray(0, part.raw)), `part ${i}: Debian zstd gives its rows`);
    for (const placement of ['thread', 'main'] as const) {
      const decoder = laneDecoder(placement, 'rows');
      try {
        const decoding = decoder.decode(data);
        const rows: Buffer[] = [];
        for await (const piece of decoding.text()) rows.push(Buffer.from(piece));
        assert.ok(Buffer.concat(rows).equals(plain), `part ${i}: the ${placement}-thread decoder gives its rows`);
        assert.equal(decoding.result().rows, part.rows);
      } finally {
        await decoder.close();
      }
    }
  }
});

test('a row source that fails mid-part reports its error; a reader that stops early or many parts at once leave the compressors usable', async () => {
  const text = rowsText(3_000);
  await assert.rejects(collect(compressedParts(chunked(text, 2_000_000), 64 * 1024)), /connection to the snapshot was lost/);
  for await (const part of compressedParts(chunked(text), 64 * 1024)) {
    assert.ok(part.rows > 0);
    break;
  }
  // More sources than compressing threads: each waits for a free one, and every result is whole.
  const results = await Promise.all(Array.from({ length: 6 }, () => collect(compressedParts(chunked(text), 128 * 1024))));
  for (const parts of results) assert.ok(Buffer.concat(parts.map(unzstd)).equals(text));
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RowDigest, type RowHash } from '../src/restore/digest.js';
import { laneDecoder, type DecoderPlacement } from '../src/restore/part-decoder.js';

/** COPY text with tabs, backslashes, unicode, scattered values (it must not compress to nothing) and a row longer than a decoder batch. */
function rowsText(count: number): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const scattered = randomBytes(48).toString('base64');
    rows.push(`${i}\tzé\\\\n ${scattered} ${'wört\\t'.repeat(i % 23)}\t${i % 2_999 === 0 ? 'y'.repeat(700_000) : String(i * 3)}\n`);
  }
  return Buffer.from(rows.join(''));
}

const zstd = (text: Buffer): Buffer => execFileSync('zstd', ['-3', '-c'], { input: text, maxBuffer: 1 << 30 });

async function* chunked(data: Buffer, size: number, pulled?: { bytes: number }): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) {
    const piece = data.subarray(at, at + size);
    if (pulled) pulled.bytes += piece.length;
    yield piece;
  }
}

async function readAll(rows: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of rows) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function digestOf(text: Buffer, hash: RowHash = 'lookup3'): { rows: number; digest: string } {
  const digest = new RowDigest(hash);
  digest.update(text);
  return { rows: digest.rows, digest: digest.digest() };
}

const placements: DecoderPlacement[] = ['thread', 'main'];

for (const placement of placements) for (const hash of ['lookup3', 'crc32'] as const) test(`R3 a part decoded on the ${placement} thread gives the rows of its zstd frame (Debian zstd) and their ${hash} digest, whole or streamed`, async () => {
  const decoder = laneDecoder(placement, hash);
  try {
    for (const [count, streamed] of [[9_000, false], [9_000, true], [1, false]] as const) {
      const text = rowsText(count);
      const frame = zstd(text);
      const decoding = decoder.decode(streamed ? chunked(frame, 10_007) : frame);
      const rows = await readAll(decoding.text());
      assert.ok(rows.equals(text), `${count} rows${streamed ? ', streamed' : ''} come out as they went in`);
      assert.deepEqual(decoding.result(), digestOf(text, hash));
    }
  } finally {
    await decoder.close();
  }
});

for (const placement of placements) test(`R3 a part decoded on the ${placement} thread for a target that compares record hashes has its rows counted, not digested, wherever chunks end`, async () => {
  const decoder = laneDecoder(placement, 'rows');
  try {
    for (const [text, rows] of [[rowsText(9_000), 9_000], [Buffer.from('a\nb'), 2], [Buffer.from('x\n'), 1], [Buffer.alloc(0), 0]] as const) {
      const decoding = decoder.decode(chunked(zstd(text), 7_001));
      assert.ok((await readAll(decoding.text())).equals(text));
      assert.deepEqual(decoding.result(), { rows, digest: '0'.repeat(16) });
    }
  } finally {
    await decoder.close();
  }
});

for (const placement of placements) test(`R4 a damaged or cut frame fails its part with a clear message; the lane's ${placement}-thread decoder decodes the next part`, async () => {
  const decoder = laneDecoder(placement, 'lookup3');
  try {
    const text = rowsText(4_000);
    const frame = zstd(text);
    const damaged = Buffer.from(frame);
    damaged.fill(0x5a, 0, 8);
    await assert.rejects(readAll(decoder.decode(damaged).text()), /zstd decompression failed: .+/);
    await assert.rejects(readAll(decoder.decode(frame.subarray(0, frame.length - 100)).text()), /(ends|ended) in (the )?middle of (its|compressed data) (zstd )?frame/);
    const decoding = decoder.decode(frame);
    assert.ok((await readAll(decoding.text())).equals(text));
    assert.equal(decoding.result().rows, 4_000);
  } finally {
    await decoder.close();
  }
});

test('B4 a lane that is not read takes only a few batches from its source, and one that stops half-way leaves the thread decoder usable', async () => {
  const decoder = laneDecoder('thread', 'lookup3');
  try {
    const text = rowsText(40_000);
    const frame = zstd(text);
    const pulled = { bytes: 0 };
    const decoding = decoder.decode(chunked(frame, 64 * 1024, pulled));
    const rows = decoding.text();
    const first = await rows.next();
    assert.equal(first.done, false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Four batches of 256 KiB away, one being filled, one chunk being copied.
    assert.ok(pulled.bytes <= 5 * 256 * 1024 + 64 * 1024, `${pulled.bytes} compressed bytes pulled while the lane waited`);
    assert.ok(frame.length > 2 * pulled.bytes, `the source (${frame.length} bytes) was not read to its end`);
    await rows.return(undefined);
    assert.throws(() => decoding.result(), /not been read to its end/);
    const again = decoder.decode(frame);
    assert.ok((await readAll(again.text())).equals(text));
  } finally {
    await decoder.close();
  }
});

test('B4 a part given up half-way on the main thread ends its decompression and the next part decodes whole', async () => {
  const decoder = laneDecoder('main', 'lookup3');
  const text = rowsText(20_000);
  const frame = zstd(text);
  const decoding = decoder.decode(frame);
  const rows = decoding.text();
  assert.equal((await rows.next()).done, false);
  await rows.return(undefined);
  assert.throws(() => decoding.result(), /not been read to its end/);
  const again = decoder.decode(frame);
  assert.ok((await readAll(again.text())).equals(text));
  assert.deepEqual(again.result(), digestOf(text));
  await decoder.close();
});

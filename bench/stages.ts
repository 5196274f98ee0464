import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Encrypter } from 'age-encryption';
import tar from 'tar-stream';
import { PayloadSealer } from '../src/archive/age-payload.js';
import { compressorPool } from '../src/build/compressor-pool.js';
import { defaultPartBytes } from '../src/build/parts.js';
import { encodeCopyRow } from '../src/core/copy-text.js';
import { Random } from '../src/core/random.js';
import { TextMaker } from '../src/platform/generator/text.js';

/**
 * Each stage of the build's data path alone, in this process, no database: what a build of N MB
 * of rows could cost at best with the libraries it uses today (age with Node's native
 * ChaCha20-Poly1305 as the volume writer thread seals, typage's JavaScript one for comparison).
 *
 *   npx tsx bench/stages.ts [--mb 256]
 *
 * Rows are COPY text made like the generator's (words, names, numbers); "files" are random bytes.
 */
const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '256' } } });
const total = Number(args.mb) * 1e6;
const chunkSize = 64 * 1024;

function rowsText(bytes: number): Buffer {
  const rng = new Random(1, 'stages');
  const text = new TextMaker(rng);
  const parts: string[] = [];
  let size = 0;
  for (let id = 1; size < bytes; id++) {
    const row = encodeCopyRow([id, rng.int(1, 10), `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)} 10:${rng.int(10, 59)}:00`, text.sentence(), text.optionalParagraph(3), rng.int(0, 1e6), text.firstName()]);
    parts.push(row);
    size += Buffer.byteLength(row);
  }
  return Buffer.from(parts.join(''));
}

/** Yields the sample over and over as 64 KiB chunks, `total` bytes in all. */
function* chunks(sample: Buffer, bytes = total): Generator<Buffer> {
  let sent = 0;
  let at = 0;
  while (sent < bytes) {
    const take = Math.min(chunkSize, bytes - sent, sample.length - at);
    yield sample.subarray(at, at + take);
    sent += take;
    at = (at + take) % sample.length;
  }
}

const sink = (): { stream: Writable; bytes: () => number } => {
  let n = 0;
  return { stream: new Writable({ write: (c: Buffer, _e, done) => ((n += c.length), done()) }), bytes: () => n };
};

async function stage(name: string, work: () => Promise<number>): Promise<void> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const out = await work();
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  process.stdout.write(
    `${name.padEnd(86)} ${(total / 1e6 / seconds).toFixed(0).padStart(6)} MB/s in  ${seconds.toFixed(2).padStart(6)} s  CPU ${cpuSeconds.toFixed(2).padStart(6)} s  out ${(out / 1e6).toFixed(1)} MB\n`,
  );
}

const rows = rowsText(32e6);
const random = randomBytes(32 * 1024 * 1024);
process.stdout.write(`${(total / 1e6).toFixed(0)} MB per stage; rows sample ${(rows.length / 1e6).toFixed(0)} MB of COPY text\n`);

/** Rows through the compressor pool as a build's lanes send them: 1 MiB writes, parts of the build's default size, `lanes` parts at once. */
async function compressedRows(lanes: number): Promise<number> {
  const batch = 1024 * 1024;
  const part = defaultPartBytes;
  let next = 0;
  let out = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let start = next; start < total; start = next) {
      next += part;
      const compression = await compressorPool.start(3);
      for (let at = start; at < Math.min(start + part, total); at += batch) {
        const offset = at % (rows.length - batch);
        await compression.write(rows.subarray(offset, offset + Math.min(batch, total - at)));
      }
      out += (await compression.finish()).reduce((sum, frame) => sum + frame.length, 0);
    }
  }));
  return out;
}

for (const lanes of [1, 2]) {
  await stage(`zstd level 3 on pool threads, a frame per MiB, ${lanes} lane${lanes > 1 ? 's' : ''} (compressor-pool.ts)`, () => compressedRows(lanes));
}

await stage('age-encryption (typage, JavaScript ChaCha) passphrase, for comparison', async () => {
  const e = new Encrypter();
  e.setPassphrase('bench-bench-bench-bench-bench-00');
  e.setScryptWorkFactor(10);
  const plain = new PassThrough({ highWaterMark: 1024 * 1024 });
  Readable.from(chunks(random)).pipe(plain);
  const encrypted = await e.encrypt(Readable.toWeb(plain) as ReadableStream<Uint8Array>);
  const s = sink();
  await pipeline(Readable.fromWeb(encrypted as never), s.stream);
  return s.bytes();
});

await stage('age payload, native ChaCha20-Poly1305 (age-payload.ts, as the volume writer thread)', async () => {
  let out = 0;
  const sealer = new PayloadSealer(randomBytes(32), (ciphertext, tag) => void (out += ciphertext.length + tag.length));
  for (const chunk of chunks(random)) sealer.push(chunk);
  sealer.end();
  return out;
});

await stage('sha256 once (the build hashes members once, ciphertext twice)', async () => {
  const hash = createHash('sha256');
  for (const chunk of chunks(random)) hash.update(chunk);
  hash.digest();
  return 32;
});

await stage('tar-stream pack, 32 MB members → PassThrough (as volume.ts)', async () => {
  const pack = tar.pack();
  const plain = new PassThrough({ highWaterMark: 1024 * 1024 });
  pack.pipe(plain);
  const s = sink();
  const done = pipeline(plain, s.stream);
  const member = 32e6;
  for (let i = 0; i * member < total; i++) {
    const size = Math.min(member, total - i * member);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: `m${i}`, size }, (error) => (error ? reject(error) : resolve()));
      void (async () => {
        for (const chunk of chunks(random, size)) if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
        entry.end(undefined);
      })();
    });
  }
  pack.finalize();
  await done;
  return s.bytes();
});

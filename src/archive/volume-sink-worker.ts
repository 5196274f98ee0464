import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writevSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PayloadSealer } from './age-payload.js';
import type { FromVolumeWriter, ToVolumeWriter, VolumeWriterData } from './volume-sink.js';

/**
 * A volume's writer thread (volume-sink.ts): seals the tar stream's bytes into the age payload,
 * writes the age file and hashes it, whole and per chunk of `chunkSize`.
 */
const port = parentPort!;
const { file, chunkSize, header, key } = (workerData as { readonly data: VolumeWriterData }).data;

let fd: number | undefined;
const whole = createHash('sha256');
let chunk: Hash = createHash('sha256');
let inChunk = 0;
let size = 0;
const chunks: string[] = [];
/**
 * Every sealed chunk is a new 64 KiB buffer (Node's cipher has no output buffer), and this
 * thread makes too few objects for V8 to collect them soon: left alone they added about 50 MB
 * to the peak RSS of writing 275 MB of files. A minor collection of this thread's small heap
 * after every 4 MiB takes about half a millisecond and keeps the peak where it was with the
 * encryption on the main thread. A worker cannot be started with --expose-gc
 * (ERR_WORKER_INVALID_EXEC_ARGV); V8 takes the flag at run time for the context made next.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
const collectEvery = 4 * 1024 * 1024;
let sealedSinceCollection = 0;

/** What one message's bytes became, written with one system call. */
let pending: Uint8Array[] = [];

function hash(data: Uint8Array): void {
  whole.update(data);
  size += data.length;
  for (let at = 0; at < data.length; ) {
    const take = Math.min(data.length - at, chunkSize - inChunk);
    chunk.update(data.subarray(at, at + take));
    inChunk += take;
    at += take;
    if (inChunk === chunkSize) {
      chunks.push(chunk.digest('hex'));
      chunk = createHash('sha256');
      inChunk = 0;
    }
  }
}

const sealer = new PayloadSealer(Buffer.from(key), (ciphertext, tag) => pending.push(ciphertext, tag));

function writePending(): void {
  fd ??= openSync(file, 'w');
  const buffers = pending;
  pending = [];
  for (const data of buffers) hash(data);
  while (buffers.length > 0) {
    let written = writevSync(fd, buffers);
    // A short write: drop what was written and go on from there.
    while (buffers.length > 0 && written >= buffers[0]!.length) written -= buffers.shift()!.length;
    if (written > 0) buffers[0] = buffers[0]!.subarray(written);
  }
}

function close(): void {
  if (fd !== undefined) closeSync(fd);
  fd = undefined;
}

pending.push(header);

port.on('message', (message: ToVolumeWriter) => {
  try {
    if (message.type === 'data') {
      sealer.push(new Uint8Array(message.buffer, 0, message.length));
      writePending();
      sealedSinceCollection += message.length;
      if (sealedSinceCollection >= collectEvery) {
        sealedSinceCollection = 0;
        gc({ type: 'minor' });
      }
      port.postMessage({ type: 'ack', buffer: message.buffer } satisfies FromVolumeWriter, [message.buffer]);
    } else if (message.type === 'end') {
      sealer.end();
      writePending();
      close();
      if (inChunk > 0 || chunks.length === 0) chunks.push(chunk.digest('hex'));
      port.postMessage({ type: 'done', size, sha256: whole.digest('hex'), chunks } satisfies FromVolumeWriter);
    } else {
      close();
      port.postMessage({ type: 'closed' } satisfies FromVolumeWriter);
    }
  } catch (error) {
    try {
      close();
    } catch {
      // The error that got here is the one to report.
    }
    const { code, message: text } = error as NodeJS.ErrnoException;
    port.postMessage({ type: 'error', ...(code ? { code } : {}), message: text } satisfies FromVolumeWriter);
  }
});

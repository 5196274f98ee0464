import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import tar from 'tar-stream';
import { RepatriateError } from '../core/errors.js';
import { reusedChunks } from '../core/file-chunks.js';
import { checkChunkHashes } from './chunk-hashes.js';
import { hashing } from '../core/hashing.js';
import { chunkSize, formatVersion, indexName, indexSchema, type ArchiveIndex, type VolumeRecord } from './format.js';
import { keyIdOf, verifyJson } from '../core/signing.js';
import { ageDecrypt } from './age-stream.js';
import { NativeScryptIdentity } from './scrypt.js';

/**
 * Reading an archive: the signed index (no password needed), the volumes' integrity against
 * it, and the decrypted tar members of each volume.
 */
export async function readIndex(dir: string): Promise<ArchiveIndex> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, indexName), 'utf8'));
  } catch (cause) {
    throw new RepatriateError('REPAT_ARCHIVE_INDEX_INVALID', `${path.join(dir, indexName)} is missing or not JSON`, {
      hint: 'an archive is complete only with its index.json; copy the whole folder again',
      cause,
    });
  }
  const version = (raw as { format?: unknown } | null)?.format;
  if (typeof version === 'number' && version !== formatVersion) {
    throw new RepatriateError('REPAT_ARCHIVE_VERSION', `the archive has format version ${version}; this repatriate reads version ${formatVersion}`, {
      hint: 'use a repatriate release that reads this format version',
    });
  }
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RepatriateError('REPAT_ARCHIVE_INDEX_INVALID', `index.json is malformed: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, {
      hint: 'the index was damaged; copy the archive again',
    });
  }
  return parsed.data;
}

/** Checks the index signature against the trusted vendor keys; returns the key id that signed it. */
export function checkSignature(index: ArchiveIndex, trusted: readonly KeyObject[]): string {
  const { signature, ...unsigned } = index;
  const key = trusted.find((k) => keyIdOf(k) === signature.keyId);
  if (!key) {
    throw new RepatriateError('REPAT_ARCHIVE_SIGNATURE', `the archive is signed by key ${signature.keyId}, which is not a trusted vendor key`, {
      hint: 'only archives from the vendor can be restored; add the vendor public key to the trusted keys if this is a new vendor key',
    });
  }
  if (!verifyJson(unsigned, signature.value, key)) {
    throw new RepatriateError('REPAT_ARCHIVE_SIGNATURE', 'the signature of index.json does not match its content', {
      hint: 'the index was altered after the vendor signed it; do not use this archive',
    });
  }
  return signature.keyId;
}

export interface VolumeCheck {
  readonly name: string;
  readonly size: number;
  readonly ok: true;
}

/** Every volume present, of the recorded size, with the recorded SHA-256 of every chunk. */
export async function checkVolume(dir: string, volume: VolumeRecord): Promise<VolumeCheck> {
  const file = path.join(dir, volume.name);
  const info = await stat(file).catch(() => undefined);
  if (!info) {
    throw new RepatriateError('REPAT_ARCHIVE_VOLUME_MISSING', `volume ${volume.name} is missing`, { hint: 'copy every vol-NNNN.age file the index lists into the archive folder' });
  }
  if (info.size > volume.size) {
    throw new RepatriateError('REPAT_ARCHIVE_HASH_MISMATCH', `volume ${volume.name} has ${info.size} bytes, more than the ${volume.size} the index says`, {
      hint: 'the volume was altered; download it again',
    });
  }
  if (info.size < volume.size) {
    throw new RepatriateError('REPAT_ARCHIVE_TRUNCATED', `volume ${volume.name} has ${info.size} bytes, the index says ${volume.size}`, {
      hint: 'the volume was cut short or altered; download it again',
    });
  }
  const mismatch = (what: string): RepatriateError =>
    new RepatriateError('REPAT_ARCHIVE_HASH_MISMATCH', `volume ${volume.name}: ${what} does not match its SHA-256 in the index`, { hint: 'the volume was altered; download it again' });
  if (volume.chunks.length !== Math.max(1, Math.ceil(volume.size / chunkSize))) throw mismatch('the chunk list');
  // The signed index holds every chunk's hash and the size: chunks that all match are the volume
  // that was signed, so its whole-volume hash (for tools without chunks) is not computed again.
  await checkChunkHashes(file, info.size, (index, sha256) => {
    if (sha256 !== volume.chunks[index]) throw mismatch(`chunk ${index}`);
  });
  return { name: volume.name, size: info.size, ok: true };
}

export type Secret = { readonly passphrase: string } | { readonly identity: string };

/** One identity per secret, so every pass over the archive reuses the file keys already opened. */
const identities = new WeakMap<Secret, NativeScryptIdentity>();

function passphraseIdentity(secret: Secret & { readonly passphrase: string }): NativeScryptIdentity {
  let identity = identities.get(secret);
  if (!identity) identities.set(secret, (identity = new NativeScryptIdentity(secret.passphrase)));
  return identity;
}

export interface Member {
  readonly name: string;
  readonly size: number;
  /** The member's bytes; hashed as they pass. */
  readonly stream: AsyncIterable<Buffer>;
  /** Bytes and SHA-256 of what the stream delivered; call after consuming it. */
  digest(): { readonly bytes: number; readonly sha256: string };
}

function hashedMember(name: string, size: number, source: AsyncIterable<Buffer>): Member {
  return { name, size, ...hashing(source) };
}

/** Decrypts one volume and yields its tar members in order; each member must be consumed before the next. */
export async function* readVolume(file: string, secret: Secret): AsyncGenerator<Member> {
  let source: Readable;
  try {
    // ageDecrypt is done with each chunk (decrypted, or its partial piece copied) before it asks for the next.
    source = await ageDecrypt(reusedChunks(file), 'passphrase' in secret ? passphraseIdentity(secret) : secret.identity);
  } catch (cause) {
    const message = (cause as Error).message ?? '';
    if (/no identity matched|incorrect passphrase|passphrase/i.test(message)) {
      throw new RepatriateError('REPAT_PASSWORD_WRONG', 'the password does not open the archive', {
        hint: 'use the password the vendor sent for this archive (separately from the download)',
        cause,
      });
    }
    throw new RepatriateError('REPAT_ARCHIVE_HASH_MISMATCH', `${path.basename(file)} is not a readable age file: ${message}`, { hint: 'download the volume again', cause });
  }
  const extract = tar.extract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      yield hashedMember(entry.header.name, entry.header.size ?? 0, entry as AsyncIterable<Buffer>);
      entry.resume();
    }
  } catch (cause) {
    if (cause instanceof RepatriateError) throw cause;
    throw new RepatriateError('REPAT_ARCHIVE_HASH_MISMATCH', `${path.basename(file)} could not be decrypted to the end: ${(cause as Error).message}`, {
      hint: 'the volume is damaged or truncated; download it again',
      cause,
    });
  } finally {
    // A reader that stops early (a preflight reading only header.json) leaves nothing open.
    source.destroy();
    extract.destroy();
  }
}

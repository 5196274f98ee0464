import { z } from 'zod';

/**
 * The archive format (docs/archive-format.md). Readers MUST refuse an unknown format version.
 *
 *   index.json        plaintext, signed: volumes with sizes and hashes, no account data
 *   vol-NNNN.age      age v1; plaintext a tar stream of members
 *   members           header.json, schema.json, tables/<table>/<NNNN>.tsv.zst, files/<path>,
 *                     kernel/<path>, excluded.json, and last contents.json
 */
export const formatVersion = 1;
export const chunkSize = 64 * 1024 * 1024;
export const indexName = 'index.json';
export const contentsName = 'contents.json';

export function volumeName(ordinal: number): string {
  return `vol-${String(ordinal).padStart(4, '0')}.age`;
}

export function tablePartName(table: string, part: number): string {
  return `tables/${table}/${String(part).padStart(4, '0')}.tsv.zst`;
}

/** The table a member holds rows of, or undefined when it is not a table part. */
export function tableOfPart(name: string): string | undefined {
  return /^tables\/([^/]+)\/\d{4,}\.tsv\.zst$/.exec(name)?.[1];
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const volumeRecordSchema = z.strictObject({
  name: z.string().regex(/^vol-\d{4}\.age$/),
  size: z.number().int().nonnegative(),
  sha256,
  /** SHA-256 of each 64 MiB chunk of the ciphertext, for verified, resumable downloads. */
  chunks: z.array(sha256),
});
export type VolumeRecord = z.infer<typeof volumeRecordSchema>;

export const signatureSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  value: z.string().min(1),
});

export const indexSchema = z.strictObject({
  format: z.number().int(),
  archiveId: z.string().uuid(),
  createdAt: z.string(),
  expiresAt: z.string(),
  encryption: z.enum(['passphrase', 'recipients']),
  chunkSize: z.literal(chunkSize),
  volumes: z.array(volumeRecordSchema).min(1),
  /** What a restore will write: table rows before compression, files, kernel (for its disk-space check). */
  sizes: z.strictObject({ rows: z.number().int().nonnegative(), files: z.number().int().nonnegative(), kernel: z.number().int().nonnegative() }).optional(),
  signature: signatureSchema,
});
export type ArchiveIndex = z.infer<typeof indexSchema>;
export type UnsignedIndex = Omit<ArchiveIndex, 'signature'>;

export const contentsEntrySchema = z.strictObject({
  name: z.string(),
  volume: z.string(),
  size: z.number().int().nonnegative(),
  sha256,
  /** Rows of a table part. */
  rows: z.number().int().nonnegative().optional(),
  /** Bytes of a table part before compression. */
  raw: z.number().int().nonnegative().optional(),
  /**
   * A table part's rows' record hashes summed modulo 2^64, 16 hex digits, when the source
   * computed them (PostgreSQL and PGlite clouds; src/engine/postgres/record-hash.ts).
   */
  rowHash: z.string().regex(/^[0-9a-f]{16}$/).optional(),
});
export type ContentsEntry = z.infer<typeof contentsEntrySchema>;

export const contentsSchema = z.strictObject({
  format: z.literal(formatVersion),
  archiveId: z.string().uuid(),
  members: z.array(contentsEntrySchema),
  /** Rows per on-premise table, all parts together (0 for tables that start empty). */
  tables: z.record(z.string(), z.number().int().nonnegative()),
});
export type Contents = z.infer<typeof contentsSchema>;

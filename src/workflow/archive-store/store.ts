import type { Readable } from 'node:stream';

/**
 * Where finished archives live until their retention ends (M12): a local folder by default, an
 * S3-compatible bucket when configured. A build always writes its files into a local working
 * folder first; `put` makes a finished file durable in the store, the download route reads
 * ranges back, and the purge deletes every object of the archive. Each build records the id
 * of the store that holds it, so a desk reconfigured later still finds (and purges) it.
 */
export interface ByteSpan {
  readonly start: number;
  /** Inclusive, like HTTP Range. */
  readonly end: number;
}

export interface ArchiveStore {
  /** `local` or `s3://bucket/prefix`: recorded with each build; never holds a credential. */
  readonly id: string;
  /** Makes the finished file `file` durable as `name` of the archive (local: it already is). */
  put(archiveId: string, name: string, file: string): Promise<unknown>;
  /** The stored size of one file of the archive, or undefined when it is not there. */
  size(archiveId: string, name: string): Promise<number | undefined>;
  /** The bytes of one file, whole or one span of it. */
  read(archiveId: string, name: string, span?: ByteSpan): Promise<Readable>;
  /** Names of every file stored for the archive. */
  list(archiveId: string): Promise<string[]>;
  /** Deletes every file of the archive; returns how many were deleted. */
  remove(archiveId: string): Promise<number>;
  /** Lets go of connections. */
  close?(): void;
}

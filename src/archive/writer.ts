import { createHash } from 'node:crypto';
import { hashing } from '../core/hashing.js';
import { contentsName, type Contents, type ContentsEntry, type VolumeRecord } from './format.js';
import { VolumeWriter, type Encryption } from './volume.js';

/**
 * Writes members into volumes in order, starting a new volume when the current one reaches
 * the size limit, and records every member for contents.json. The split depends only on
 * member sizes, so a resumed build splits exactly like an uninterrupted one.
 */
export interface ArchiveWriterOptions {
  readonly dir: string;
  readonly archiveId: string;
  readonly encryption: Encryption;
  readonly volumeSize: number;
  /** The modification time every tar member gets, for reproducible tars. */
  readonly mtime: Date;
  /** Where a resumed build starts: the volumes and members already complete. */
  readonly resume?: { readonly volumes: readonly VolumeRecord[]; readonly members: readonly ContentsEntry[] };
  /** The ordinal of the first volume this writer starts (a volume job writes one volume of many; default 0). */
  readonly firstOrdinal?: number;
  /** Called after each completed volume, with everything complete so far (the journal's moment). */
  readonly onVolume?: (volumes: readonly VolumeRecord[], members: readonly ContentsEntry[]) => Promise<void>;
}

/** Bytes a member takes in a tar stream: a 512-byte header (plus a PAX header for long names), content padded to 512. */
export function tarFootprint(name: string, size: number): number {
  const pax = Buffer.byteLength(name) > 100 ? 1024 : 0;
  return 512 + pax + Math.ceil(size / 512) * 512;
}

/** What contents.json records of a table part besides its hash. */
export interface TablePartInfo {
  readonly rows: number;
  readonly raw: number;
  readonly rowHash?: string;
}

export class ArchiveWriter {
  private readonly volumes: VolumeRecord[];
  private readonly members: ContentsEntry[];
  private current: VolumeWriter | undefined;
  private currentBytes = 0;

  constructor(private readonly options: ArchiveWriterOptions) {
    this.volumes = [...(options.resume?.volumes ?? [])];
    this.members = [...(options.resume?.members ?? [])];
  }

  /** Members already written (by this run or the one it resumes). */
  get memberCount(): number {
    return this.members.length;
  }

  async addBuffer(name: string, content: Uint8Array): Promise<void> {
    await this.add(name, content.length, [content], createHash('sha256').update(content).digest('hex'));
  }

  /** Adds a member whose content streams; its SHA-256 is computed on the way. */
  async addStream(name: string, size: number, content: AsyncIterable<Uint8Array>, part?: TablePartInfo): Promise<void> {
    const hashed = hashing(content);
    await this.add(name, size, hashed.stream, () => {
      const { bytes, sha256 } = hashed.digest();
      if (bytes !== size) throw new Error(`${name} changed while it was archived: ${bytes} bytes, expected ${size}`);
      return sha256;
    }, part);
  }

  private async add(name: string, size: number, content: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, sha256: string | (() => string), part?: TablePartInfo): Promise<void> {
    const volume = await this.volume();
    await volume.add(name, size, content, this.options.mtime);
    this.members.push({ name, volume: volume.name, size, sha256: typeof sha256 === 'string' ? sha256 : sha256(), ...(part ?? {}) });
    this.currentBytes += tarFootprint(name, size);
    if (this.currentBytes >= this.options.volumeSize) await this.finishVolume();
  }

  private async volume(): Promise<VolumeWriter> {
    if (!this.current) {
      this.current = await VolumeWriter.open(this.options.dir, (this.options.firstOrdinal ?? 0) + this.volumes.length, this.options.encryption);
      this.currentBytes = 0;
    }
    return this.current;
  }

  private async finishVolume(journal = true): Promise<void> {
    if (!this.current) return;
    const record = await this.current.finish();
    this.current = undefined;
    this.volumes.push(record);
    if (journal) await this.options.onVolume?.(this.volumes, this.members);
  }

  /** Writes contents.json as the last member and completes the last volume. */
  async close(tables: Record<string, number>): Promise<{ volumes: VolumeRecord[]; contents: Contents }> {
    const contents: Contents = { format: 1, archiveId: this.options.archiveId, members: [...this.members], tables };
    const volume = await this.volume();
    const body = Buffer.from(JSON.stringify(contents, null, 2) + '\n');
    await volume.add(contentsName, body.length, [body], this.options.mtime);
    // The last volume is not journaled: it holds contents.json, so a resume always rewrites it.
    await this.finishVolume(false);
    return { volumes: this.volumes, contents };
  }

  /** Opens the next volume now, so a volume job whose members turn out empty still writes its (empty) volume. */
  async begin(): Promise<void> {
    await this.volume();
  }

  /** Completes the current volume without contents.json: one volume of an archive that other jobs finish. */
  async seal(): Promise<{ volumes: VolumeRecord[]; members: ContentsEntry[] }> {
    await this.finishVolume(false);
    return { volumes: [...this.volumes], members: [...this.members] };
  }

  async abort(): Promise<void> {
    await this.current?.abort();
    this.current = undefined;
  }
}

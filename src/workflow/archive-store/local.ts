import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ArchiveStore, ByteSpan } from './store.js';

/** The default store: `$REPATRIATE_HOME/desk/archives/<archive id>/`, the build's own working folder. */
export class LocalArchiveStore implements ArchiveStore {
  readonly id = 'local';

  constructor(readonly root: string) {}

  folder(archiveId: string): string {
    return path.join(this.root, archiveId);
  }

  async put(archiveId: string, name: string, file: string): Promise<void> {
    // The build wrote the file where this store keeps it; anything else is a programming error.
    if (path.resolve(file) !== path.resolve(this.folder(archiveId), name)) throw new Error(`the local store keeps ${name} in ${this.folder(archiveId)}, not at ${file}`);
  }

  async size(archiveId: string, name: string): Promise<number | undefined> {
    if (!(await this.list(archiveId)).includes(name)) return undefined;
    return (await stat(path.join(this.folder(archiveId), name)).catch(() => undefined))?.size;
  }

  async read(archiveId: string, name: string, span?: ByteSpan): Promise<Readable> {
    return createReadStream(path.join(this.folder(archiveId), name), span ? { start: span.start, end: span.end } : {});
  }

  async list(archiveId: string): Promise<string[]> {
    return (await readdir(this.folder(archiveId)).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !n.endsWith('.partial')).sort();
  }

  async remove(archiveId: string): Promise<number> {
    const files = await this.list(archiveId);
    await rm(this.folder(archiveId), { recursive: true, force: true });
    return files.length;
  }
}

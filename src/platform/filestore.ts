import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The cloud's store of uploaded files: `<root>/<account host>/upload/<subdir>/<name>`.
 * A file is never changed in place: a write goes to a temporary name and is renamed over the
 * old one. That is what lets a snapshot share files with the live store through hard links.
 */
export class FileStore {
  constructor(readonly root: string) {}

  accountDir(host: string): string {
    return path.join(this.root, host, 'upload');
  }

  /** Writes a file atomically and returns its SHA-256. */
  async write(host: string, relativePath: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
    const target = path.join(this.accountDir(host), relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    const source = Readable.from(
      (async function* () {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
    );
    try {
      await pipeline(source, createWriteStream(temporary));
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return hash.digest('hex');
  }
}

/** Copies a tree by hard links (falling back to copies across devices): cheap and isolated, given writes never happen in place. */
export async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) await linkTree(from, to);
    else if (entry.isFile()) {
      try {
        await link(from, to);
      } catch {
        await copyFile(from, to);
      }
    }
  }
}

export interface TreeSummary {
  readonly files: number;
  readonly bytes: number;
}

export async function summarizeTree(dir: string): Promise<TreeSummary> {
  let files = 0;
  let bytes = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { files: 0, bytes: 0 };
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await summarizeTree(full);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += (await stat(full)).size;
    }
  }
  return { files, bytes };
}

import path from 'node:path';
import { decompress } from 'zstd-napi';
import { readIndex, readVolume, type Secret } from '../src/archive/reader.js';

/** Every member of an archive, decrypted, table parts decompressed (small test archives only). */
export async function readArchive(dir: string, secret: Secret): Promise<Map<string, Buffer>> {
  const index = await readIndex(dir);
  const members = new Map<string, Buffer>();
  for (const volume of index.volumes) {
    for await (const member of readVolume(path.join(dir, volume.name), secret)) {
      const chunks: Buffer[] = [];
      for await (const chunk of member.stream) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      members.set(member.name, member.name.endsWith('.zst') ? decompress(body) : body);
    }
  }
  return members;
}

/** Rows of one on-premise table, all parts, as arrays of raw COPY text fields. */
export function tableRows(members: Map<string, Buffer>, table: string): string[][] {
  const rows: string[][] = [];
  for (const [name, body] of [...members].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!name.startsWith(`tables/${table}/`)) continue;
    for (const line of body.toString('utf8').split('\n')) if (line.length > 0) rows.push(line.split('\t'));
  }
  return rows;
}

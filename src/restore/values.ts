import path from 'node:path';
import { Readable } from 'node:stream';
import { DecompressStream } from 'zstd-napi';
import { tableOfPart, type ArchiveIndex } from '../archive/format.js';
import { readVolume, type Secret } from '../archive/reader.js';
import type { Schema } from '../core/schema.js';
import { checkValues } from '../engine/mysql/check.js';

/**
 * B5: before anything is written into MySQL/MariaDB, every value of the archive is checked
 * against what the target can hold exactly (dates before year 1000, numerics beyond DECIMAL,
 * special numerics, text longer than its VARCHAR). The first problems are named by table,
 * column and row. This costs one extra decryption pass; PostgreSQL targets need none.
 */
export async function checkArchiveValues(archiveDir: string, index: ArchiveIndex, secret: Secret): Promise<void> {
  let schema: Schema | undefined;
  const rowsSoFar = new Map<string, number>();
  for (const volume of index.volumes) {
    for await (const member of readVolume(path.join(archiveDir, volume.name), secret)) {
      const table = tableOfPart(member.name);
      if (member.name === 'schema.json') {
        const chunks: Buffer[] = [];
        for await (const chunk of member.stream) chunks.push(chunk);
        schema = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Schema;
      } else if (table && schema) {
        const target = schema.tables.find((t) => t.name === table);
        if (!target) continue;
        const first = (rowsSoFar.get(table) ?? 0) + 1;
        const rows = await checkValues(table, target.columns, Readable.from(member.stream).pipe(new DecompressStream()), first);
        rowsSoFar.set(table, first - 1 + rows);
      } else {
        for await (const chunk of member.stream) void chunk;
      }
    }
  }
}

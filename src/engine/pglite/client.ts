import { PGlite } from '@electric-sql/pglite';
import { quoteIdent, type SqlClient } from '../types.js';

/** COPY into PGlite goes through an in-memory blob; rows are loaded in groups of about this size. */
const copyGroupBytes = 8 * 1024 * 1024;

export async function openPglite(dataDir: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  // Same session settings as the server client, so COPY text is identical on both.
  await db.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3");
  return new PgliteClient(db);
}

class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;
  constructor(private readonly db: PGlite) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(sql, params as unknown[]);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyIn(table: string, columns: readonly string[], rows: AsyncIterable<string>): Promise<void> {
    const sql = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`;
    let group: string[] = [];
    let groupBytes = 0;
    const flush = async (): Promise<void> => {
      if (group.length === 0) return;
      await this.db.query(sql, [], { blob: new Blob(group) });
      group = [];
      groupBytes = 0;
    };
    for await (const chunk of rows) {
      group.push(chunk);
      groupBytes += chunk.length;
      if (groupBytes >= copyGroupBytes) await flush();
    }
    await flush();
  }

  async *copyOut(query: string): AsyncIterable<Uint8Array> {
    const result = await this.db.query(`COPY (${query}) TO '/dev/blob'`);
    if (result.blob) yield new Uint8Array(await result.blob.arrayBuffer());
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

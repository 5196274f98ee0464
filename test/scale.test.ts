import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { silentProgress } from '../src/core/progress.js';
import { summarizeTree } from '../src/platform/filestore.js';
import { initCloud, withCloud, cloudPaths } from '../src/platform/cloud.js';
import { cloudStats } from '../src/platform/stats.js';
import { cleanupDatabases, removeDir, scratchDatabase, tempDir } from './helpers.js';

/** The generator at both ends of its range: a small embedded cloud and a 1 GB server cloud. */
const scales = [
  { label: '10MB embedded', size: 10e6, tenants: 3, database: () => ({}) },
  { label: '1GB on the PostgreSQL server', size: 1e9, tenants: 10, database: () => ({ databaseUrl: scratchDatabase('scale') }) },
] as const;

describe('generator scales', () => {
  after(cleanupDatabases);

  for (const scale of scales) {
    test(`--size ${scale.label} lands within 15% of the request, with a 10x skew between accounts`, async () => {
      const home = await tempDir('scale');
      try {
        const { report } = await initCloud(home, { seed: 11, tenants: scale.tenants, size: scale.size, ...scale.database() }, silentProgress);
        const files = await summarizeTree(cloudPaths(home).files);
        const total = report.rowBytes + files.bytes;
        assert.ok(Math.abs(total - scale.size) / scale.size < 0.15, `generated ${total} bytes for ${scale.size}`);
        assert.ok(files.bytes > scale.size * 0.15 && files.bytes < scale.size * 0.35, `files hold ${files.bytes} bytes`);
        const stats = await withCloud(home, (c) => cloudStats(c.db));
        const bytes = stats.accounts.map((a) => a.bytes);
        assert.ok(bytes[0]! >= 9 * bytes.at(-1)!, `account bytes ${bytes.join(', ')}`);
        assert.equal(stats.accounts.reduce((a, s) => a + s.files.bytes, 0), files.bytes, 'b_file records every byte in the store');
      } finally {
        await removeDir(home);
      }
    });
  }
});

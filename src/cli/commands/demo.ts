import { Command } from 'commander';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes } from '../../core/size.js';
import { initCloud } from '../../platform/cloud.js';
import { openSnapshot, takeSnapshot, today } from '../../platform/snapshot.js';
import { cloudStats } from '../../platform/stats.js';
import { print } from '../output.js';
import { printStats } from './cloud.js';

/** `repatriate demo`: the whole story so far, on the embedded default — no server needed. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the story end to end on the embedded default (replaces the cloud in REPATRIATE_HOME)')
    .action(async () => {
      const home = repatriateHome();
      print(`== 1. create a reference cloud in ${home}`);
      const { report } = await initCloud(home, { seed: 42, tenants: 3, size: 20e6, force: true }, terminalProgress());
      print(`${report.tenants.length} accounts, ${formatBytes(report.rowBytes)} of rows, generated in ${report.seconds.toFixed(1)} s`);
      const night = today();
      print(`\n== 2. take the nightly snapshot (night before ${night})`);
      const meta = await takeSnapshot(home, night);
      print(`snapshot taken: ${meta.files.count} files, ${formatBytes(meta.files.bytes)}`);
      print('\n== 3. what the snapshot holds');
      const snapshot = await openSnapshot(home, night);
      try {
        printStats(await cloudStats(snapshot.db), { tables: false });
      } finally {
        await snapshot.db.close();
      }
      print('\nnext: `npx repatriate cloud stats --tables`, `npx repatriate cloud freeze --account https://acme.cloud.example`');
    });
}

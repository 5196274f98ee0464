import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { inspectArchive, verifyArchive } from '../../archive/verify.js';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes } from '../../core/size.js';
import { cloudPaths, initCloud } from '../../platform/cloud.js';
import { referenceManifest } from '../../platform/manifest.js';
import { openSnapshot } from '../../platform/snapshot.js';
import { cloudStats } from '../../platform/stats.js';
import { print } from '../output.js';
import { trustedLicenseKeys, trustedVendorKeys, vendorDir } from '../trusted-keys.js';
import { printRestore } from './restore.js';
import { encodeLicense } from '../../license/key.js';
import { restore } from '../../restore/restore.js';
import { printStats } from './cloud.js';
import { runDeskDemo } from './desk-demo.js';
import { assistantDemo } from './onprem.js';

/** `repatriate demo`: the whole story so far, on the embedded default — no server needed. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the story end to end on the embedded default (replaces the cloud in REPATRIATE_HOME)')
    .action(async () => {
      const home = repatriateHome();
      const account = 'https://acme.cloud.example';
      const manifestProduct = referenceManifest().product;
      print(`== 1. create a reference cloud in ${home}`);
      const { report } = await initCloud(home, { seed: 42, tenants: 3, size: 20e6, force: true }, terminalProgress());
      print(`${report.tenants.length} accounts, ${formatBytes(report.rowBytes)} of rows, generated in ${report.seconds.toFixed(1)} s`);

      print('\n== 2. the customer asks the vendor\'s migration desk for the move; at the final date the desk freezes, builds, sends the password, and the customer downloads');
      const { archiveDir: out, password, night } = await runDeskDemo(home, account);

      print(`\n== 3. what the snapshot of the night before ${night} holds`);
      const snapshot = await openSnapshot(home, night);
      try {
        printStats(await cloudStats(snapshot.db), { tables: false });
      } finally {
        await snapshot.db.close();
      }

      print('\n== 4. inspect the downloaded archive without the password, then verify everything with it (B3)');
      const trusted = await trustedVendorKeys(home);
      const inspected = await inspectArchive(out, trusted);
      print(`signature by vendor key ${inspected.signedBy} and ${inspected.index.volumes.length} volume hashes: ok`);
      const verified = await verifyArchive(out, trusted, { passphrase: password });
      print(`decrypted ${verified.members} members, ${verified.rows.toLocaleString('en')} rows and ${verified.files} files: every hash and row count matches contents.json`);

      print('\n== 5. the customer restores it into the embedded default: preflight, staged load, atomic swap, reconcile');
      const licenseKey = encodeLicense(
        { v: 1, id: 'L-DE0000000001', product: manifestProduct, kind: 'onpremise', edition: 'enterprise', seats: 250, supportUntil: '2099-12-31', issuedAt: new Date().toISOString() },
        await loadOrCreateSigningKey(vendorDir(home), 'license-key'),
      );
      const onprem = path.join(home, 'onprem');
      await rm(onprem, { recursive: true, force: true });
      const restored = await restore({
        archiveDir: out,
        secret: { passphrase: password },
        licenseKey,
        target: { engine: 'pglite', dir: path.join(onprem, 'db') },
        dataDir: path.join(onprem, 'data'),
        trustedArchiveKeys: trusted,
        trustedLicenseKeys: await trustedLicenseKeys(home),
        today: new Date().toISOString().slice(0, 10),
        dryRun: false,
      });
      printRestore(restored);
      print(`\nthe installation: database in ${path.join(onprem, 'db')}, files and kernel in ${path.join(onprem, 'data')}`);

      print('\n== 6. the on-premise assistant: every task after the restore (P1–P11, R5), then P1 — a user resets a password and signs in');
      await assistantDemo(path.join(onprem, 'db'), path.join(onprem, 'data'));
      print(`open the archive without repatriate: docs/archive-format.md. Next: \`npx repatriate cloud stats --tables\`, \`npx repatriate plan --account ${account} --snapshot ${night}\``);
    });
}

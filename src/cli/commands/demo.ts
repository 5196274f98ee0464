import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { generatedScryptLogN } from '../../archive/password.js';
import { inspectArchive, verifyArchive } from '../../archive/verify.js';
import { build, prepare } from '../../build/build.js';
import { planBuild } from '../../build/estimate.js';
import { repatriateHome } from '../../core/home.js';
import { terminalProgress } from '../../core/progress.js';
import { formatBytes } from '../../core/size.js';
import { cloudPaths, initCloud } from '../../platform/cloud.js';
import { referenceManifest } from '../../platform/manifest.js';
import { accountFilesDir, openSnapshot, takeSnapshot, today } from '../../platform/snapshot.js';
import { cloudStats } from '../../platform/stats.js';
import { print } from '../output.js';
import { generatedPassword, trustedVendorKeys, vendorDir } from './archive.js';
import { trustedLicenseKeys } from './license.js';
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

      print('\n== 2. the customer asks the vendor\'s migration desk for the move');
      await runDeskDemo(home, account);

      const night = today();
      print(`\n== 3. take the nightly snapshot (night before ${night})`);
      const meta = await takeSnapshot(home, night);
      print(`snapshot taken: ${meta.files.count} files, ${formatBytes(meta.files.bytes)}`);

      const snapshot = await openSnapshot(home, night);
      const out = path.join(home, 'archives', 'acme');
      let passwordFile: string;
      try {
        print('\n== 4. what the snapshot holds');
        printStats(await cloudStats(snapshot.db), { tables: false });

        print(`\n== 5. plan the archive of ${account}`);
        const manifest = referenceManifest();
        const prepared = await prepare(snapshot.db, manifest, cloudPaths(home).kernel, account);
        const plan = await planBuild(snapshot.db, prepared, accountFilesDir(home, night, account));
        print(`${plan.tables.length} on-premise tables with ${plan.tables.reduce((a, t) => a + t.rows, 0).toLocaleString('en')} rows, ${plan.files.count} files, kernel ${plan.kernel.release}`);
        print(`left out: ${plan.excludedTables.map((t) => `${t.table}${t.task ? ` (${t.task})` : ''}`).join(', ')}`);
        print(`secret columns emptied: ${plan.excludedColumns.filter((c) => c.policy === 'secret').map((c) => `${c.table}.${c.column}`).join(', ')}`);

        print('\n== 6. build the encrypted, signed archive');
        await rm(out, { recursive: true, force: true });
        const archiveId = randomUUID();
        const { passphrase, file } = await generatedPassword(home, archiveId);
        passwordFile = file;
        const built = await build(
          {
            db: snapshot.db, manifest, kernelStore: cloudPaths(home).kernel, account, snapshot: { night, takenAt: meta.takenAt },
            filesDir: accountFilesDir(home, night, account), out, archiveId, encryption: { kind: 'passphrase', passphrase, scryptLogN: generatedScryptLogN },
            volumeSize: 4e6, partBytes: 32 * 1024 * 1024, signingKey: await loadOrCreateSigningKey(vendorDir(home)), now: new Date(), retentionDays: 7,
          },
          prepared,
        );
        print(`archive ${archiveId} in ${out}: ${built.index.volumes.length} volumes, ${formatBytes(built.index.volumes.reduce((a, v) => a + v.size, 0))}, ${built.members} members`);
        print(`password (delivered separately) stored in ${passwordFile}`);
      } finally {
        await snapshot.db.close();
      }

      print('\n== 7. inspect without the password, then verify everything with it (B3)');
      const trusted = await trustedVendorKeys(home);
      const inspected = await inspectArchive(out, trusted);
      print(`signature by vendor key ${inspected.signedBy} and ${inspected.index.volumes.length} volume hashes: ok`);
      const verified = await verifyArchive(out, trusted, { passphrase: (await readFile(passwordFile, 'utf8')).trim() });
      print(`decrypted ${verified.members} members, ${verified.rows.toLocaleString('en')} rows and ${verified.files} files: every hash and row count matches contents.json`);

      print('\n== 8. the customer restores it into the embedded default: preflight, staged load, atomic swap, reconcile');
      const licenseKey = encodeLicense(
        { v: 1, id: 'L-DE0000000001', product: manifestProduct, kind: 'onpremise', edition: 'enterprise', seats: 250, supportUntil: '2099-12-31', issuedAt: new Date().toISOString() },
        await loadOrCreateSigningKey(vendorDir(home), 'license-key'),
      );
      const onprem = path.join(home, 'onprem');
      await rm(onprem, { recursive: true, force: true });
      const restored = await restore({
        archiveDir: out,
        secret: { passphrase: (await readFile(passwordFile, 'utf8')).trim() },
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

      print('\n== 9. the on-premise assistant: every task after the restore (P1–P11, R5), then P1 — a user resets a password and signs in');
      await assistantDemo(path.join(onprem, 'db'), path.join(onprem, 'data'));
      print(`open the archive without repatriate: docs/archive-format.md. Next: \`npx repatriate cloud stats --tables\`, \`npx repatriate plan --account ${account} --snapshot ${night}\``);
    });
}

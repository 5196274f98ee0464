import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Schema } from '../src/core/schema.js';
import { silentProgress } from '../src/core/progress.js';
import { quoteIdent } from '../src/engine/types.js';
import { parseManifest } from '../src/manifest/load.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { referenceManifest } from '../src/platform/manifest.js';
import { cloudTable } from '../src/platform/schema/cloud.js';
import { tenantJoin } from '../src/platform/schema/tenancy.js';
import { openSnapshot, takeSnapshot } from '../src/platform/snapshot.js';
import { readArchive, tableRows } from './archive-helpers.js';
import { cleanupDatabases, removeDir, root, runCli, runCommand as run, scratchDatabase, tempDir } from './helpers.js';

const night = '2026-11-24';
const acme = 'https://acme.cloud.example';

async function makeCloud(seed: number, size = 1.5e6, tenants = 3): Promise<{ home: string; url: string }> {
  const home = await tempDir('build');
  const url = scratchDatabase('build');
  await initCloud(home, { seed, tenants, size, databaseUrl: url }, silentProgress);
  await takeSnapshot(home, night);
  return { home, url };
}

async function passwordFile(dir: string, password = 'correct horse battery staple 42'): Promise<string> {
  const file = path.join(dir, 'password.txt');
  await writeFile(file, password + '\n');
  return file;
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** For every on-premise table with rows: the account of each cloud row, keyed by its primary key as COPY text. */
async function groundTruth(home: string, schema: Schema): Promise<Map<string, Map<string, Set<number>>>> {
  const manifest = referenceManifest();
  const snapshot = await openSnapshot(home, night);
  const truth = new Map<string, Map<string, Set<number>>>();
  try {
    for (const target of schema.tables) {
      const source = target.name === 'b_user_profile' ? 'b_user' : target.name;
      const policy = manifest.tables[source];
      if (!policy || (policy.kind !== 'account' && policy.kind !== 'global')) continue;
      const cloud = cloudTable(source);
      const keys = target.name === 'b_user_profile' ? ['id'] : target.primaryKey.map((c) => (c === 'begin_date' ? 'begindate' : c));
      const join = tenantJoin(cloud);
      const keyText = keys.map((k) => `t.${quoteIdent(k)}::text`).join(` || E'\\t' || `);
      const rows = await snapshot.db.query<{ k: string; tenant: number | null }>(
        join ? `SELECT ${keyText} AS k, ${join.tenant} AS tenant FROM ${join.from}` : `SELECT ${keyText} AS k, NULL AS tenant FROM ${quoteIdent(source)} t`,
      );
      // On premise a key may lose its account column (b_option), so one key can name rows of several accounts.
      const accounts = new Map<string, Set<number>>();
      for (const r of rows) accounts.set(r.k, (accounts.get(r.k) ?? new Set()).add(r.tenant === null ? 0 : Number(r.tenant)));
      truth.set(target.name, accounts);
    }
  } finally {
    await snapshot.db.close();
  }
  return truth;
}

describe('build', () => {
  after(cleanupDatabases);

  test('M9 M10 isolation: for five seeds the archive of one account holds every row of it, ids unchanged, and no row of another', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { home } = await makeCloud(seed);
      const out = path.join(home, 'archive');
      try {
        const built = await runCli(['build', '--account', 'https://globex.cloud.example', '--snapshot', night, '--out', out, '--password-file', await passwordFile(home), '--json'], home);
        assert.equal(built.code, 0, built.stderr);
        const members = await readArchive(out, { passphrase: 'correct horse battery staple 42' });
        const schema = JSON.parse(members.get('schema.json')!.toString()) as Schema;
        const contents = JSON.parse(members.get('contents.json')!.toString()) as { tables: Record<string, number>; members: { name: string; rowHash?: string }[] };
        const parts = contents.members.filter((m) => m.name.startsWith('tables/'));
        assert.ok(parts.length > 0 && parts.every((m) => /^[0-9a-f]{16}$/.test(m.rowHash ?? '')), 'R3 every table part carries the record hash sum the cloud computed');
        const truth = await groundTruth(home, schema);
        let checkedTables = 0;
        for (const target of schema.tables) {
          const accountOf = truth.get(target.name);
          const rows = tableRows(members, target.name);
          assert.equal(rows.length, contents.tables[target.name] ?? 0, `${target.name}: contents.json counts its rows`);
          if (!accountOf) {
            assert.equal(rows.length, 0, `${target.name} starts empty`);
            continue;
          }
          const keyPositions = (target.name === 'b_user_profile' ? ['user_id'] : target.primaryKey).map((k) => target.columns.findIndex((c) => c.name === k));
          const global = [...accountOf.values()].every((t) => t.has(0));
          const expected = [...accountOf].filter(([, t]) => global || t.has(2)).map(([k]) => k).sort();
          const archived = rows.map((r) => keyPositions.map((p) => r[p]).join('\t')).sort();
          for (const key of archived) {
            assert.ok(accountOf.has(key), `seed ${seed}: ${target.name} row ${key} exists in the cloud with the same id`);
            assert.ok(global || accountOf.get(key)!.has(2), `seed ${seed}: ${target.name} row ${key} belongs to account ${[...accountOf.get(key)!]}, not globex`);
          }
          // Equal as multisets: a row of another account with the same key would appear twice.
          assert.deepEqual(archived, expected, `seed ${seed}: ${target.name} holds every row of the account and nothing else`);
          checkedTables++;
        }
        assert.ok(checkedTables >= 35, `${checkedTables} tables checked`);
      } finally {
        await removeDir(home);
      }
    }
  });

  describe('on one cloud', () => {
    let home: string;
    let url: string;
    before(async () => {
      ({ home, url } = await makeCloud(21, 3e6));
    });
    after(() => removeDir(home));

    let builds = 0;
    async function buildFor(edition: string | undefined): Promise<string> {
      const out = path.join(home, `edition-${builds++}`);
      const built = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', await passwordFile(home), ...(edition ? ['--edition', edition] : [])], home);
      assert.equal(built.code, 0, built.stderr);
      return out;
    }

    test('M10 no secret leaves: no canary anywhere in the decrypted archive; search index and marketplace apps absent and listed', async () => {
      const out = path.join(home, 'secrets');
      const built = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', await passwordFile(home), '--volume-size', '1MB'], home);
      assert.equal(built.code, 0, built.stderr);
      assert.ok(!built.stdout.includes('correct horse'), 'the password is not printed');
      const members = await readArchive(out, { passphrase: 'correct horse battery staple 42' });
      assert.ok(members.size > 20);
      // The ledger, counted beside the tables on a connection of its own, comes after the kernel (DESIGN §4).
      const names = [...members.keys()];
      assert.deepEqual(names.slice(0, 2), ['header.json', 'schema.json']);
      assert.deepEqual(names.slice(-2), ['excluded.json', 'contents.json']);
      assert.ok(names.at(-3)!.startsWith('kernel/'), `${names.at(-3)} precedes the ledger`);
      for (const [name, body] of members) assert.ok(!body.includes('CANARY-SECRET-'), `${name} carries no canary`);
      for (const table of ['b_search_content', 'b_search_content_stem', 'b_search_stem', 'b_rest_app', 'b_rest_event', 'b_rest_oauth_token', 'b_user_stored_auth', 'b_pull_channel']) {
        assert.equal(tableRows(members, table).length, 0, `${table} has no rows in the archive`);
      }
      const excluded = JSON.parse(members.get('excluded.json')!.toString()) as { tables: { table: string; task: string | null; rows: number | null }[]; columns: { table: string; column: string; policy: string }[] };
      const byTable = new Map(excluded.tables.map((t) => [t.table, t]));
      assert.equal(byTable.get('b_search_content')?.task, 'P3');
      assert.ok((byTable.get('b_search_content')?.rows ?? 0) > 0, 'the ledger counts the rows left behind');
      assert.equal(byTable.get('b_rest_app')?.task, 'P11');
      const apps = (byTable.get('b_rest_app') as { rows: number | null; listed?: { code: string; name: string }[] } | undefined);
      assert.equal(apps?.listed?.length, apps?.rows, 'the ledger names every app left behind (P11)');
      assert.ok(excluded.columns.some((c) => c.table === 'b_user' && c.column === 'password' && c.policy === 'secret'));
      const header = JSON.parse(members.get('header.json')!.toString());
      assert.equal(header.account.address, acme);
      // The stems are estimated from the account's search content (counting them reads every account's index).
      const stems = byTable.get('b_search_content_stem') as { rows: number | null; estimated?: boolean } | undefined;
      assert.equal(stems?.estimated, true);
      const snapshot = await openSnapshot(home, night);
      try {
        const [exact] = await snapshot.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM b_search_content_stem s JOIN b_search_content c ON c.id = s.search_content_id WHERE c.tenant_id = ${Number(header.account.id)}`,
        );
        const n = Number(exact!.n);
        assert.ok(n > 0 && Math.abs(stems!.rows! - n) <= 0.25 * n, `estimated ${stems?.rows} stems, counted ${n}`);
      } finally {
        await snapshot.db.close();
      }
      assert.ok(header.users.active > 0 && header.users.byKind.deactivated > 0, 'the header records the M4 user counts');
      assert.equal(header.release, '24.1');
      assert.ok([...members.keys()].some((m) => m.startsWith('kernel/bitrix/modules/main/')), 'the kernel is inside (M9)');
      const feed = JSON.parse(members.get('kernel/bitrix/updates/feed.json')!.toString()) as { base: string; releases: unknown[] };
      assert.equal(feed.base, '24.1', 'the update feed travels with the kernel (P4)');
      assert.ok(feed.releases.length > 0);
      const kernelMembers = [...members.keys()].filter((m) => m.startsWith('kernel/'));
      assert.deepEqual(kernelMembers, [...kernelMembers].sort(), 'kernel members in string order (archive-format §7)');
      assert.ok([...members.keys()].some((m) => m.startsWith('files/disk/')), 'the files are inside (M9)');
      const users = tableRows(members, 'b_user');
      const schema = JSON.parse(members.get('schema.json')!.toString()) as Schema;
      const password = schema.tables.find((t) => t.name === 'b_user')!.columns.findIndex((c) => c.name === 'password');
      assert.ok(users.every((u) => u[password] === ''), 'password hashes are empty on premise (P1)');
    });

    test('M9 the archive holds the on-premise structure: renamed column, split table, no tenant column', async () => {
      const out = path.join(home, 'structure');
      assert.equal((await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', await passwordFile(home)], home)).code, 0);
      const members = await readArchive(out, { passphrase: 'correct horse battery staple 42' });
      const schema = JSON.parse(members.get('schema.json')!.toString()) as Schema;
      const deal = schema.tables.find((t) => t.name === 'b_crm_deal')!;
      assert.ok(deal.columns.some((c) => c.name === 'begin_date'));
      assert.ok(schema.tables.every((t) => t.columns.every((c) => c.name !== 'tenant_id')));
      assert.equal(tableRows(members, 'b_user_profile').length, tableRows(members, 'b_user').length);
      assert.ok(tableRows(members, 'b_crm_deal').every((r) => r.length === deal.columns.length));
    });

    test('M9 M10 fail closed: a table or column the manifest does not classify stops the build and names it; nothing is written', async () => {
      await withCloud(home, (c) => c.db.exec('CREATE TABLE b_newmodule_item (id bigint PRIMARY KEY, tenant_id integer NOT NULL, title text)'));
      await takeSnapshot(home, '2026-11-25');
      const out = path.join(home, 'unclassified');
      const refused = await runCli(['build', '--account', acme, '--snapshot', '2026-11-25', '--out', out, '--password-file', await passwordFile(home)], home);
      assert.equal(refused.code, 8);
      assert.match(refused.stderr, /table b_newmodule_item is not classified by the migration manifest/);
      assert.ok(!(await exists(out)), 'no output folder was created');

      await withCloud(home, (c) => c.db.exec('DROP TABLE b_newmodule_item; ALTER TABLE b_crm_deal ADD COLUMN ai_score numeric'));
      await takeSnapshot(home, '2026-11-26');
      const column = await runCli(['build', '--account', acme, '--snapshot', '2026-11-26', '--out', out, '--json'], home);
      assert.equal(column.code, 8);
      assert.equal(JSON.parse(column.stdout).error.code, 'REPAT_UNCLASSIFIED');
      assert.match(JSON.parse(column.stdout).error.message, /b_crm_deal\.ai_score/);
      await withCloud(home, (c) => c.db.exec('ALTER TABLE b_crm_deal DROP COLUMN ai_score'));
    });

    test('M6 the data of modules the edition lacks stays behind: their tables start empty, are counted in the ledger, and nothing kept points at them', async () => {
      type Ledger = { tables: { table: string; rows: number | null; reason: string; task: string | null }[]; startEmpty: { table: string; reason: string; task: string | null }[] };
      const full = await readArchive(await buildFor(undefined), { passphrase: 'correct horse battery staple 42' });
      for (const [edition, gone, kept] of [['professional', ['b_landing'], ['b_crm_deal', 'b_crm_webform']], ['standard', ['b_crm_deal', 'b_crm_webform', 'b_landing', 'b_imopenlines_config', 'b_imconnector_status'], ['b_tasks', 'b_user']]] as const) {
        const members = await readArchive(await buildFor(edition), { passphrase: 'correct horse battery staple 42' });
        const ledger = JSON.parse(members.get('excluded.json')!.toString()) as Ledger;
        const schema = JSON.parse(members.get('schema.json')!.toString()) as Schema;
        for (const table of gone) {
          assert.ok(tableRows(full, table).length > 0, `${table} has rows when every module moves`);
          assert.equal(tableRows(members, table).length, 0, `${edition}: ${table} has no rows`);
          assert.ok(schema.tables.some((t) => t.name === table), `${edition}: ${table} is still created, empty`);
          const start = ledger.startEmpty.find((e) => e.table === table);
          assert.match(start?.reason ?? '', new RegExp(`${edition} edition does not include`), `${edition}: ${table} starts empty for the edition`);
          assert.equal(start?.task, null, 'no task brings that data back');
          const behind = ledger.tables.find((t) => t.table === table);
          assert.equal(behind?.rows, tableRows(full, table).length, `${edition}: the ledger counts the ${table} rows left behind`);
        }
        for (const table of kept) assert.equal(tableRows(members, table).length, tableRows(full, table).length, `${edition}: ${table} moves whole`);
        // No kept row refers to a table that starts empty: the restore's foreign keys hold.
        const empty = new Set(ledger.startEmpty.map((e) => e.table));
        for (const table of schema.tables) {
          for (const fk of table.foreignKeys.filter((f) => empty.has(f.refTable))) {
            const at = table.columns.findIndex((c) => c.name === fk.columns[0]);
            assert.ok(tableRows(members, table.name).every((row) => row[at] === '\\N'), `${edition}: ${table.name}.${fk.columns[0]} is emptied`);
          }
        }
      }
      const webform = tableRows(full, 'b_crm_webform');
      const landingAt = (JSON.parse(full.get('schema.json')!.toString()) as Schema).tables.find((t) => t.name === 'b_crm_webform')!.columns.findIndex((c) => c.name === 'landing_id');
      assert.ok(webform.some((row) => row[landingAt] !== '\\N'), 'with every module, web forms point at their sites');
    });

    test('bad input: unknown account, missing snapshot, output folder not empty, conflicting options — clear messages, nothing overwritten', async () => {
      const out = path.join(home, 'bad');
      const unknown = await runCli(['build', '--account', 'https://nobody.cloud.example', '--snapshot', night, '--out', out], home);
      assert.equal(unknown.code, 4);
      assert.match(unknown.stderr, /no account https:\/\/nobody\.cloud\.example/);
      const missing = await runCli(['build', '--account', acme, '--snapshot', '2020-01-01', '--out', out], home);
      assert.equal(missing.code, 5);
      assert.match(missing.stderr, /no snapshot of the night before 2020-01-01/);
      const full = path.join(home, 'full');
      await runCli(['plan', '--account', acme, '--snapshot', night], home);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(full);
      await writeFile(path.join(full, 'precious.txt'), 'keep me');
      const notEmpty = await runCli(['build', '--account', acme, '--snapshot', night, '--out', full], home);
      assert.equal(notEmpty.code, 9);
      assert.match(notEmpty.stderr, /is not empty/);
      assert.deepEqual(await readdir(full), ['precious.txt']);
      const both = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', 'x', '--recipient', 'age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq'], home);
      assert.equal(both.code, 2);
      const badRecipient = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--recipient', 'bob'], home);
      assert.equal(badRecipient.code, 2);
      assert.match(badRecipient.stderr, /not an age X25519 recipient/);
    });

    test('a full disk stops the build with a clear message, leaves nothing that looks complete, and the same command resumes once there is space', async () => {
      const disk = path.join(home, 'small-disk');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(disk);
      assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=700k', 'tmpfs', disk])).code, 0, 'mount a small tmpfs');
      try {
        const out = path.join(disk, 'archive');
        const args = ['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', await passwordFile(home), '--volume-size', '200kB'];
        const full = await runCli(args, home);
        assert.equal(full.code, 9, full.stderr);
        assert.match(full.stderr, /the disk of the output folder is full/);
        assert.match(full.stderr, /hint: free space/);
        const left = await readdir(out);
        assert.ok(!left.includes('index.json') && !left.some((f) => f.endsWith('.partial')), `left behind: ${left.join(', ')}`);
        assert.equal((await run('mount', ['-o', 'remount,size=64m', disk])).code, 0);
        const resumed = await runCli([...args, '--json'], home);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.equal(JSON.parse(resumed.stdout).resumed, true);
        const verified = await runCli(['verify', out, '--password-file', await passwordFile(home)], home);
        assert.equal(verified.code, 0, verified.stderr);
      } finally {
        await run('umount', [disk]);
      }
    });

    test('plan shows tables, rows, what is left out and why, and an estimate, and writes nothing', async () => {
      const before = await readdir(home, { recursive: true });
      const plan = await runCli(['plan', '--account', acme, '--snapshot', night, '--json'], home);
      assert.equal(plan.code, 0, plan.stderr);
      const report = JSON.parse(plan.stdout);
      assert.ok(report.tables.find((t: { table: string }) => t.table === 'b_im_message').rows > 0);
      assert.ok(report.excludedTables.some((t: { table: string; reason: string; task: string }) => t.table === 'b_search_content' && t.task === 'P3' && t.reason.length > 10));
      assert.ok(report.estimatedSeconds >= 1 && report.estimatedBytes > 0);
      assert.ok(report.users.active > 0);
      const text = await runCli(['plan', '--account', acme, '--snapshot', night], home);
      assert.match(text.stdout, /left out:/);
      assert.deepEqual((await readdir(home, { recursive: true })).sort(), before.sort(), 'plan wrote nothing');
    });

    test('B4 a build killed with SIGKILL resumes with the same command; contents.json equals an uninterrupted build', async () => {
      const pw = await passwordFile(home);
      const args = (out: string): string[] => ['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', pw, '--volume-size', '200kB', '--part-size', '64kB', '--json'];
      const whole = path.join(home, 'whole');
      assert.equal((await runCli(args(whole), home)).code, 0);

      const killed = path.join(home, 'killed');
      const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args(killed)], { env: { ...process.env, REPATRIATE_HOME: home }, stdio: 'ignore' });
      const deadline = Date.now() + 60_000;
      while (!(await exists(path.join(killed, 'vol-0002.age'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      assert.ok(await exists(path.join(killed, '.build-journal.json')), 'the journal survived the kill');
      assert.ok(!(await exists(path.join(killed, 'index.json'))), 'a killed build does not look complete');

      const resumed = await runCli(args(killed), home);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(JSON.parse(resumed.stdout).resumed, true);
      const read = async (dir: string): Promise<unknown> => {
        const contents = JSON.parse((await readArchive(dir, { passphrase: 'correct horse battery staple 42' })).get('contents.json')!.toString());
        return { members: contents.members, tables: contents.tables };
      };
      assert.deepEqual(await read(killed), await read(whole));
      assert.ok(!(await readdir(killed)).some((f) => f.startsWith('.build-journal') || f.endsWith('.partial')), 'no journal or partial volume is left');
    });

    test('B6 the archive opens with Debian age (X25519 identity), lists with tar, decompresses with zstd and loads with psql \\copy', async () => {
      const keygen = await run('age-keygen', ['-o', path.join(home, 'identity.txt')]);
      assert.equal(keygen.code, 0, keygen.stderr);
      const recipient = /public key: (age1\w+)/i.exec(keygen.stderr + keygen.stdout)![1]!;
      const out = path.join(home, 'open');
      const built = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--recipient', recipient], home);
      assert.equal(built.code, 0, built.stderr);
      const extract = path.join(home, 'extracted');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(extract);
      for (const volume of (await readdir(out)).filter((f) => f.endsWith('.age'))) {
        const listed = await run('sh', ['-c', `age -d -i ${home}/identity.txt ${out}/${volume} | tar -t`]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /\.json|\.tsv\.zst|files\//);
        assert.equal((await run('sh', ['-c', `age -d -i ${home}/identity.txt ${out}/${volume} | tar -x -C ${extract}`])).code, 0);
      }
      const part = path.join(extract, 'tables/b_crm_deal/0000.tsv.zst');
      assert.equal((await run('zstd', ['-d', '-q', part, '-o', path.join(extract, 'deals.tsv')])).code, 0);
      const schema = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(extract, 'schema.json'), 'utf8')) as Schema;
      const contents = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(extract, 'contents.json'), 'utf8'));
      const { createTableSql } = await import('../src/engine/postgres/ddl.js');
      const { createDatabase } = await import('../src/engine/postgres/admin.js');
      const target = scratchDatabase('psql');
      await createDatabase(target);
      assert.equal((await run('psql', [target, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', createTableSql(schema.tables.find((t) => t.name === 'b_crm_deal')!)])).code, 0);
      const loaded = await run('psql', [target, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy b_crm_deal FROM '${path.join(extract, 'deals.tsv')}'`]);
      assert.equal(loaded.code, 0, loaded.stderr);
      const counted = await run('psql', [target, '-X', '-tA', '-c', 'SELECT count(*) FROM b_crm_deal']);
      assert.equal(Number(counted.stdout.trim()), contents.tables.b_crm_deal);
      void url;
    });
  });

  test('the manifest is validated: an unknown column policy is refused with its path', () => {
    const manifest = structuredClone(referenceManifest()) as unknown as { tables: Record<string, { columns?: Record<string, unknown> }> };
    manifest.tables['b_user']!.columns!['login'] = 'maybe';
    assert.throws(() => parseManifest(manifest), (e: Error & { code?: string }) => e.code === 'REPAT_MANIFEST_INVALID' && /tables\.b_user\.columns\.login/.test(e.message));
  });
});

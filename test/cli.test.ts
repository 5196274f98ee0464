import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanupDatabases, removeDir, root, runCli, scratchDatabase, tempDir } from './helpers.js';

describe('repatriate CLI', () => {
  let home: string;

  before(async () => {
    home = await tempDir('cli');
  });

  after(async () => {
    await cleanupDatabases();
    await removeDir(home);
  });

  test('--help explains the commands and exits 0', async () => {
    const top = await runCli(['--help'], home);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /cloud/);
    assert.match(top.stdout, /demo/);
    const init = await runCli(['cloud', 'init', '--help'], home);
    assert.equal(init.code, 0);
    for (const option of ['--tenants', '--size', '--seed', '--db', '--force', '--json']) assert.ok(init.stdout.includes(option), option);
  });

  test('a reader that closes the pipe early (--help | head) ends the command quietly, exit 0', async () => {
    const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), '--help'], { env: { ...process.env, REPATRIATE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first byte is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  test('the CLI runs as npx runs it: straight from its file, through its #! line with node\'s heap flags', async () => {
    const cli = path.join(root, 'dist/cli/main.js');
    const [shebang] = (await readFile(cli, 'utf8')).split('\n', 1);
    assert.match(shebang!, /^#!\/usr\/bin\/env -S node --max-semi-space-size=\d+ --initial-old-space-size=\d+$/);
    // npm makes a package's bin executable when it links it; so does this test.
    await chmod(cli, 0o755);
    const child = spawn(cli, ['--version'], { env: { ...process.env, REPATRIATE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /^\d+\.\d+\.\d+\n$/);
  });

  test('bad option values are refused before anything is written, with exit code 2', async () => {
    for (const args of [
      ['cloud', 'init', '--size', 'lots'],
      ['cloud', 'init', '--tenants', '0'],
      ['cloud', 'init', '--db', 'mysql://root@localhost/x'],
      ['cloud', 'snapshot', '--at', '2026-02-30'],
      ['cloud', 'frobnicate'],
      ['build', '--account', 'https://acme.cloud.example', '--snapshot', '2026-11-24', '--out', 'x', '--part-size', '1GiB'],
      ['build', '--account', 'https://acme.cloud.example', '--snapshot', '2026-11-24', '--out', 'x', '--part-size', '1KiB'],
    ]) {
      const result = await runCli(args, home);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /error/i, args.join(' '));
    }
    const stats = await runCli(['cloud', 'stats'], home);
    assert.equal(stats.code, 3, 'nothing was created by the refused commands');
  });

  test('commands on a missing cloud say how to create one', async () => {
    const result = await runCli(['cloud', 'stats'], home);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /no reference cloud in/);
    assert.match(result.stderr, /hint: create one with `repatriate cloud init`/);
    const json = await runCli(['cloud', 'snapshot', '--json'], home);
    assert.equal(json.code, 3);
    assert.equal(JSON.parse(json.stdout).error.code, 'REPAT_CLOUD_MISSING');
  });

  test('M7 init, snapshot, snapshots and stats work end to end with --json on the embedded default', async () => {
    const init = await runCli(['cloud', 'init', '--tenants', '2', '--size', '1MB', '--seed', '9', '--json'], home);
    assert.equal(init.code, 0, init.stderr);
    const created = JSON.parse(init.stdout);
    assert.equal(created.config.database.engine, 'pglite');
    assert.ok(created.tables.length >= 30);

    const again = await runCli(['cloud', 'init', '--tenants', '2', '--size', '1MB'], home);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /already exists/);
    assert.match(again.stderr, /--force/);

    const snapshot = await runCli(['cloud', 'snapshot', '--at', '2026-11-24', '--json'], home);
    assert.equal(snapshot.code, 0, snapshot.stderr);
    assert.equal(JSON.parse(snapshot.stdout).at, '2026-11-24');
    const list = await runCli(['cloud', 'snapshots', '--json'], home);
    assert.deepEqual(JSON.parse(list.stdout).map((s: { at: string }) => s.at), ['2026-11-24']);

    const stats = await runCli(['cloud', 'stats', '--snapshot', '2026-11-24', '--json'], home);
    assert.equal(stats.code, 0, stats.stderr);
    const parsed = JSON.parse(stats.stdout);
    assert.equal(parsed.accounts.length, 2);
    assert.equal(parsed.accounts[0].address, 'https://acme.cloud.example');
    assert.ok(parsed.accounts[0].users.employee > 0);
    assert.ok(parsed.accounts[0].tables.b_im_message.rows > 0);

    const text = await runCli(['cloud', 'stats', '--tables'], home);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /users by kind/);
    assert.match(text.stdout, /b_im_message/);

    const missing = await runCli(['cloud', 'stats', '--snapshot', '2026-01-01'], home);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /no snapshot of the night before 2026-01-01/);
  });

  test('a database password never appears in output', async () => {
    const serverHome = await tempDir('cli-pg');
    try {
      const url = scratchDatabase('cli').replace('postgres@', 'postgres:Sup3rSecret@');
      const result = await runCli(['cloud', 'init', '--tenants', '1', '--size', '500kB', '--db', url, '--json'], serverHome);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stdout.includes('Sup3rSecret') && !result.stderr.includes('Sup3rSecret'));
      assert.match(JSON.parse(result.stdout).config.database.url, /\*\*\*/);
    } finally {
      await removeDir(serverHome);
    }
  });
});

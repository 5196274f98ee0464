#!/usr/bin/env -S node --max-semi-space-size=1 --initial-old-space-size=64
import { Command, CommanderError } from 'commander';
import { errorCodes } from '../core/errors.js';
import { reportError } from './output.js';

// The heap flags above: a build or restore streams gigabytes through short-lived buffers kept
// outside V8's heap, while its own objects stay near 20 MB. V8 sized its limits by that small
// heap, so those buffers set off a full collection every 20 MB or so (70–100 in a restore of
// a 1 GB account, 2 s of CPU), and young generations of up to 32 MB put a build's peak memory
// at 241–261 MB. With 8 MB young generations and 64 MB of old generation before the first
// full collection, that restore into PostgreSQL took 6.5 instead of 8.5 s of CPU and 17.7
// instead of 18.9 s (peak 218 MB), and the build peaked at 242 MB (docs/restore.md, bench/).

// A reader that stops early (`repatriate --help | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const program = new Command('repatriate')
  .description('Move one account of a multi-tenant cloud onto the customer\'s own server: checked, encrypted, never half-restored.')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText('after', '\nState lives in $REPATRIATE_HOME (default ./.repatriate). Exit codes: docs/errors.md.');

/**
 * Each command's module, loaded only when needed: the desk's and the assistant's servers pull in
 * large libraries (fastify, the S3 client, ACME, X.509) whose loading alone took two seconds,
 * which every `build` and `restore` paid before its first row. The listed order is --help's.
 */
const commands: readonly (readonly [names: readonly string[], load: () => Promise<Command[]>])[] = [
  [['cloud'], async () => [(await import('./commands/cloud.js')).cloudCommand()]],
  [['plan', 'build', 'inspect', 'verify'], async () => (await import('./commands/archive.js')).archiveCommands()],
  [['restore'], async () => [(await import('./commands/restore.js')).restoreCommand()]],
  [['license'], async () => [(await import('./commands/license.js')).licenseCommand()]],
  [['assess'], async () => [(await import('./commands/assess.js')).assessCommand()]],
  [['operator'], async () => [(await import('./commands/operator.js')).operatorCommand()]],
  [['desk'], async () => [(await import('./commands/desk.js')).deskCommand()]],
  [['serve'], async () => [(await import('./commands/serve.js')).serveCommand()]],
  [['worker'], async () => [(await import('./commands/worker.js')).workerCommand()]],
  [['download'], async () => [(await import('./commands/download.js')).downloadCommand()]],
  [['onprem'], async () => [(await import('./commands/onprem.js')).onpremCommand()]],
  [['demo'], async () => [(await import('./commands/demo.js')).demoCommand()]],
];

// The first argument that is not an option names the command; without a known one (--help, a typo) every command loads.
const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const wanted = commands.filter(([names]) => named !== undefined && names.includes(named));
for (const [, load] of wanted.length > 0 ? wanted : commands) for (const command of await load()) program.addCommand(command);

// Every command, however deep, reports usage errors the same way and lets us pick the exit code.
const configure = (command: Command): void => {
  command.exitOverride().configureOutput({ outputError: (text, write) => write(`repatriate: ${text}`) });
  command.commands.forEach(configure);
};
configure(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successful exits; everything else commander refuses is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : errorCodes.REPAT_USAGE.exit;
  } else {
    process.exitCode = reportError(error, process.argv.includes('--json'));
  }
}

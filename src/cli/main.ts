#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { errorCodes } from '../core/errors.js';
import { archiveCommands } from './commands/archive.js';
import { assessCommand } from './commands/assess.js';
import { cloudCommand } from './commands/cloud.js';
import { demoCommand } from './commands/demo.js';
import { deskCommand } from './commands/desk.js';
import { downloadCommand } from './commands/download.js';
import { licenseCommand } from './commands/license.js';
import { operatorCommand } from './commands/operator.js';
import { onpremCommand } from './commands/onprem.js';
import { restoreCommand } from './commands/restore.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';
import { reportError } from './output.js';

const program = new Command('repatriate')
  .description('Move one account of a multi-tenant cloud onto the customer\'s own server: checked, encrypted, never half-restored.')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText('after', '\nState lives in $REPATRIATE_HOME (default ./.repatriate). Exit codes: docs/errors.md.');

program.addCommand(cloudCommand());
for (const command of archiveCommands()) program.addCommand(command);
program.addCommand(restoreCommand());
program.addCommand(licenseCommand());
program.addCommand(assessCommand());
program.addCommand(operatorCommand());
program.addCommand(deskCommand());
program.addCommand(serveCommand());
program.addCommand(workerCommand());
program.addCommand(downloadCommand());
program.addCommand(onpremCommand());
program.addCommand(demoCommand());

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

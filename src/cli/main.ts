#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { errorCodes } from '../core/errors.js';
import { cloudCommand } from './commands/cloud.js';
import { demoCommand } from './commands/demo.js';
import { reportError } from './output.js';

const program = new Command('repatriate')
  .description('Move one account of a multi-tenant cloud onto the customer\'s own server: checked, encrypted, never half-restored.')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText('after', '\nState lives in $REPATRIATE_HOME (default ./.repatriate). Exit codes: docs/errors.md.')
  .exitOverride();

program.addCommand(cloudCommand());
program.addCommand(demoCommand());

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

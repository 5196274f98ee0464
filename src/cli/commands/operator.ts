import { Command } from 'commander';
import { formatTable, print, printJson } from '../output.js';
import { readSecretFile, withDesk } from './desk-common.js';
import { userInfo } from 'node:os';

/** `repatriate operator add|list`: the vendor's staff who work the desk, each with their own sign-in. */
export function operatorCommand(): Command {
  const operator = new Command('operator').description("the vendor's operators: their own accounts to sign in to the desk");

  operator
    .command('add')
    .description('add an operator (the password is read from a file, at least 12 characters)')
    .requiredOption('--email <address>', 'the operator\'s e-mail address: their login and where notifications go')
    .requiredOption('--password-file <file>', 'a file whose first line is the password')
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { email: string; passwordFile: string; json: boolean }) => {
      const password = await readSecretFile(opts.passwordFile, 'password');
      const added = await withDesk({}, (desk) => desk.addOperator(opts.email, password, `cli:${userInfo().username}`));
      if (opts.json) return printJson(added);
      print(`operator ${added.email} added (id ${added.id})`);
    });

  operator
    .command('list')
    .description('list the operators')
    .option('--json', 'print the operators as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const operators = await withDesk({}, (desk) => desk.listOperators());
      if (opts.json) return printJson({ operators });
      if (operators.length === 0) return print('no operators yet; add one with `repatriate operator add`');
      print(formatTable(['id', 'e-mail', 'since'], operators.map((o) => [o.id, o.email, o.createdAt])));
    });

  return operator;
}

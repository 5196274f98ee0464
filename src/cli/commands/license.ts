import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { repatriateHome } from '../../core/home.js';
import { decodeLicense, editions, encodeLicense } from '../../license/key.js';
import { print, printJson } from '../output.js';
import { nightOption, positiveInt } from '../options.js';
import path from 'node:path';
import { userInfo } from 'node:os';
import { errorCodes } from '../../core/errors.js';
import { deskStoreExists, deskStoreLocation } from '../../workflow/store/store.js';
import { withDesk } from './desk-common.js';
import { trustedLicenseKeys, vendorDir } from '../trusted-keys.js';

function editionOption(value: string): (typeof editions)[number] {
  if (!(editions as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not an edition (${editions.join(', ')})`);
  return value as (typeof editions)[number];
}

/** `repatriate license issue|show|activate|register|check`: make and read license keys, and the vendor's registry (M3). */
export function licenseCommand(): Command {
  const license = new Command('license').description('issue and read on-premise license keys (Ed25519-signed, verifiable offline)');

  license
    .command('issue')
    .description("issue a license key signed with the vendor's license key")
    .addOption(new Option('--edition <edition>', `on-premise edition: ${editions.join(', ')}`).argParser(editionOption).makeOptionMandatory())
    .addOption(new Option('--seats <n>', 'users the license allows').argParser(positiveInt).makeOptionMandatory())
    .addOption(new Option('--until <date>', 'last day of the update and support subscription (YYYY-MM-DD)').argParser(nightOption).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'onpremise (can receive a migration), trial or cloud').choices(['onpremise', 'trial', 'cloud']).default('onpremise'))
    .option('--product <name>', 'the product the key is for', 'reference-intranet')
    .option('--json', 'print the key and its payload as JSON', false)
    .action(async (opts: { edition: (typeof editions)[number]; seats: number; until: string; kind: 'onpremise' | 'trial' | 'cloud'; product: string; json: boolean }) => {
      const key = await loadOrCreateSigningKey(vendorDir(repatriateHome()), 'license-key');
      const payload = {
        v: 1 as const,
        id: `L-${randomBytes(6).toString('hex').toUpperCase()}`,
        product: opts.product,
        kind: opts.kind,
        edition: opts.edition,
        seats: opts.seats,
        supportUntil: opts.until,
        issuedAt: new Date().toISOString(),
      };
      const encoded = encodeLicense(payload, key);
      // The vendor's registry records every key it issues, once the desk exists (M3).
      const location = deskStoreLocation(repatriateHome());
      const recorded = await deskStoreExists(location);
      if (recorded) await withDesk({}, (desk) => desk.recordIssued(encoded, { ...payload, signer: key.keyId }, `cli:${userInfo().username}`));
      if (opts.json) return printJson({ key: encoded, license: { ...payload, signer: key.keyId }, recorded });
      print(encoded);
    });

  license
    .command('show')
    .description('verify a license key offline and print what it grants')
    .argument('<key>', 'the license key (RPL1.…)')
    .option('--json', 'print the license as JSON', false)
    .action(async (key: string, opts: { json: boolean }) => {
      const payload = decodeLicense(key, await trustedLicenseKeys(repatriateHome()));
      if (opts.json) return printJson({ valid: true, license: payload });
      print(`license ${payload.id}: ${payload.kind} ${payload.edition}, ${payload.seats} seats, updates and support until ${payload.supportUntil} (signed by ${payload.signer})`);
    });

  license
    .command('activate')
    .description("record in the vendor's registry that a key was activated on an installation (M3)")
    .argument('<key>', 'the license key (RPL1.…)')
    .requiredOption('--installation <url>', 'the address of the on-premise installation')
    .option('--json', 'print the result as JSON', false)
    .action(async (key: string, opts: { installation: string; json: boolean }) => {
      const result = await withDesk({}, (desk) => desk.activateLicense(key, opts.installation, `cli:${userInfo().username}`));
      if (opts.json) return printJson(result);
      print(result.already ? `license ${result.id} was already activated on ${result.activatedAt}` : `license ${result.id} activated`);
    });

  license
    .command('register')
    .description("record in the vendor's registry whom a key is registered to (M3); the owner is never shown by the public check")
    .argument('<key>', 'the license key (RPL1.…)')
    .requiredOption('--owner <name>', 'the company the license is registered to')
    .requiredOption('--email <address>', 'the owner\'s contact address')
    .option('--json', 'print the result as JSON', false)
    .action(async (key: string, opts: { owner: string; email: string; json: boolean }) => {
      const result = await withDesk({}, (desk) => desk.registerLicense(key, { name: opts.owner, email: opts.email }, `cli:${userInfo().username}`));
      if (opts.json) return printJson(result);
      print(result.already ? `license ${result.id} was already registered on ${result.registeredAt}` : `license ${result.id} registered`);
    });

  license
    .command('check')
    .description('the public check (M3): is the key valid for a migration — signed, on-premise, subscription running, activated, registered — or why not')
    .argument('<key>', 'the license key (RPL1.…)')
    .option('--json', 'print the verdict as JSON', false)
    .action(async (key: string, opts: { json: boolean }) => {
      const verdict = await withDesk({}, (desk) => desk.checkLicense(key));
      if (opts.json) printJson(verdict);
      else {
        print(verdict.message);
        if (verdict.hint) print(`hint: ${verdict.hint}`);
      }
      if (!verdict.valid) {
        const code = verdict.problem === 'subscription-ended' ? 'REPAT_LICENSE_EXPIRED' : verdict.problem === 'not-activated' || verdict.problem === 'not-registered' ? 'REPAT_LICENSE_UNREGISTERED' : 'REPAT_LICENSE_INVALID';
        process.exitCode = errorCodes[code].exit;
      }
    });

  return license;
}

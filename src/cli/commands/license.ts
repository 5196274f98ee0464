import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadOrCreateSigningKey, trustedKeys } from '../../core/keystore.js';
import { repatriateHome } from '../../core/home.js';
import { decodeLicense, editions, encodeLicense } from '../../license/key.js';
import { print, printJson } from '../output.js';
import { nightOption, positiveInt } from '../options.js';
import path from 'node:path';
import { vendorDir } from './archive.js';

/** Where the customer's side finds the vendor's license public keys. */
export async function trustedLicenseKeys(home: string): Promise<Awaited<ReturnType<typeof trustedKeys>>> {
  return trustedKeys([vendorDir(home), path.join(home, 'trusted-keys')], 'license-key');
}

function editionOption(value: string): (typeof editions)[number] {
  if (!(editions as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not an edition (${editions.join(', ')})`);
  return value as (typeof editions)[number];
}

/** `repatriate license issue|show`: make and read license keys (the vendor's registry comes with the desk). */
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
      if (opts.json) return printJson({ key: encoded, license: { ...payload, signer: key.keyId } });
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

  return license;
}

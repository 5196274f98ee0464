import { Command, Option } from 'commander';
import { errorCodes } from '../../core/errors.js';
import { formatBytes } from '../../core/size.js';
import type { Assessment } from '../../workflow/desk.js';
import { formatTable, print, printJson } from '../output.js';
import { accountAddress } from '../options.js';
import { withDesk } from './desk-common.js';

/** `repatriate assess`: the self-service assessment (B2) from the vendor's side of the desk. */
export function assessCommand(): Command {
  return new Command('assess')
    .description('assess a cloud account against a license key in seconds: license (M3), seats (M4), auto-renewal (M5), edition gap (M6), rented numbers (M8), archive size and build time (B2)')
    .requiredOption('--account <url>', 'the account address, e.g. https://acme.cloud.example', accountAddress)
    .addOption(new Option('--license <key>', 'the on-premise license key (RPL1.…)').makeOptionMandatory())
    .option('--json', 'print the assessment as JSON', false)
    .action(async (opts: { account: string; license: string; json: boolean }) => {
      const { assessment, ms } = await withDesk({}, async (desk) => {
        // Timed from an open cloud: opening an embedded database is start-up, not the assessment.
        await desk.cloud.open();
        const started = performance.now();
        const result = await desk.assess(opts.account, opts.license);
        return { assessment: result, ms: Math.round(performance.now() - started) };
      });
      // Not eligible is an answer, printed in full, with an exit code scripts can test.
      if (!assessment.eligible) process.exitCode = errorCodes.REPAT_DESK_NOT_ELIGIBLE.exit;
      if (opts.json) return printJson({ ...assessment, milliseconds: ms });
      printAssessment(assessment, ms);
    });
}

export function printAssessment(a: Assessment, ms?: number): void {
  print(`${a.account.address} (${a.account.title}): ${a.eligible ? 'eligible for a migration' : 'NOT eligible yet'}${ms !== undefined ? ` — assessed in ${ms} ms` : ''}`);
  for (const p of a.problems) print(`  ✗ ${p.rule} ${p.message}\n    hint: ${p.hint}`);
  print(`license: ${a.license.message}${a.license.license ? ` (${a.license.license.edition}, ${a.license.license.seats} seats, support until ${a.license.license.supportUntil})` : ''}`);
  print(`seats (M4): ${a.seats.active} active of ${a.seats.limit ?? '?'} — ${Object.entries(a.seats.counted).map(([k, n]) => `${n} ${k}`).join(', ')}; not counted: ${Object.entries(a.seats.notCounted).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  print(`auto-renewal (M5): ${a.autoRenewal.on ? 'ON — switch it off' : 'off'}`);
  if (a.editionGap.modules.length === 0) print(`edition gap (M6): none — ${a.editionGap.edition ?? 'the'} edition has every module the account uses`);
  else {
    print(`edition gap (M6): the ${a.editionGap.edition} edition lacks ${a.editionGap.modules.length} module(s); about ${a.editionGap.rows.toLocaleString('en')} rows would not move:`);
    print(formatTable(['module', 'what', 'rows (est.)'], a.editionGap.modules.map((m) => [m.module, m.title, m.rows])));
  }
  print(`telephony (M8): ${a.telephony.flagged ? `${a.telephony.rentedNumbers.length} rented number(s) (${a.telephony.rentedNumbers.join(', ')}) — takes longer` : 'no rented numbers'}`);
  print(`estimate: archive about ${formatBytes(a.estimate.archiveBytes)} (rows ${formatBytes(a.estimate.rowBytes)}, files ${formatBytes(a.estimate.fileBytes)}, kernel ${formatBytes(a.estimate.kernelBytes)}), build about ${a.estimate.buildSeconds} s; the vendor promises ${a.estimate.promisedDays.min}–${a.estimate.promisedDays.max} days`);
}

import { RepatriateError, errorCodes } from '../core/errors.js';

/** How a command reports: human text on a terminal, one JSON document with --json. */
export interface OutputOptions {
  readonly json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Left-aligned text columns, right-aligned numbers. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map((c) => (typeof c === 'number' ? c.toLocaleString('en') : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === 'number'));
  return cells
    .map((row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

export function reportError(error: unknown, json: boolean): number {
  const known = error instanceof RepatriateError ? error : undefined;
  const code = known?.code ?? 'REPAT_INTERNAL';
  const message = known ? known.message : error instanceof Error ? error.message : String(error);
  const hint = known?.hint;
  if (json) {
    process.stdout.write(JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } }) + '\n');
  } else {
    process.stderr.write(`repatriate: error: ${message}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (!known && error instanceof Error && process.env['REPATRIATE_DEBUG']) process.stderr.write(`${error.stack}\n`);
  }
  return known ? known.exitCode : errorCodes.REPAT_INTERNAL.exit;
}

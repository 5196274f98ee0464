import { usageError } from './errors.js';

const units: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12,
  KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40,
};

/** Parses "50MB", "1GB", "1.5GiB", "1024" (bytes). Decimal units are powers of ten. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = (match?.[2] ?? '').toUpperCase() || 'B';
  const factor = units[unit];
  if (!match || factor === undefined) {
    throw usageError(`invalid size "${text}"`, 'write a number with a unit, e.g. 50MB, 1GB or 1GiB');
  }
  return Math.round(Number(match[1]) * factor);
}

export function formatBytes(bytes: number): string {
  const steps = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let step = 0;
  while (Math.abs(value) >= 1000 && step < steps.length - 1) {
    value /= 1000;
    step++;
  }
  return `${step === 0 ? Math.round(value) : value.toFixed(value < 10 ? 2 : 1)} ${steps[step]}`;
}

import { InvalidArgumentError } from 'commander';
import { RepatriateError } from '../core/errors.js';
import { parseSize } from '../core/size.js';
import { parseNight } from '../platform/snapshot.js';

/** Option parsers: a bad value stops the command before it does anything. */
function wrap<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof RepatriateError) throw new InvalidArgumentError(error.hint ? `${error.message} (${error.hint})` : error.message);
      throw error;
    }
  };
}

export const sizeOption = wrap(parseSize);

/** The bounds of `--part-size`: the build and the restore each hold a whole part, compressed, in memory. */
const partSizeBounds = { min: 16 * 1024, max: 256 * 1024 ** 2 } as const;

export function partSizeOption(text: string): number {
  const bytes = sizeOption(text);
  if (bytes < partSizeBounds.min || bytes > partSizeBounds.max) {
    throw new InvalidArgumentError(`"${text}" is not between 16KiB and 256MiB (a part is held in memory, compressed, while it is built and while it is restored)`);
  }
  return bytes;
}
export const nightOption = wrap(parseNight);

export function positiveInt(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`"${text}" is not a positive whole number`);
  return value;
}

export function seedOption(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`"${text}" is not a whole number between -2147483647 and 2147483647`);
  }
  return value;
}

export function postgresUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`"${text}" is not a URL; write postgres://user@host:5432/database`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new InvalidArgumentError('the reference cloud runs on PostgreSQL: write postgres://user@host:5432/database');
  if (url.pathname.length <= 1) throw new InvalidArgumentError('the URL must name a database, e.g. postgres://user@host:5432/cloud');
  return text;
}

export function accountAddress(text: string): string {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `https://${text}`);
  } catch {
    throw new InvalidArgumentError(`"${text}" is not an account address; write it like https://acme.cloud.example`);
  }
  return `${url.protocol}//${url.host}`;
}

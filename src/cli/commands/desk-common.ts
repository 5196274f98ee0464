import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import { RepatriateError } from '../../core/errors.js';
import { repatriateHome } from '../../core/home.js';
import { openDesk, type Desk } from '../../workflow/desk.js';
import { S3ArchiveStore, s3SettingsFromEnv } from '../../workflow/archive-store/s3.js';
import { jobSettingsFromEnv } from '../../workflow/jobs/queue.js';
import { positiveInt } from '../options.js';

/** What every desk command shares: where the desk is, how it mails, what a build costs. */
export interface DeskCliOptions {
  /** A fixed "now" (ISO 8601) instead of the system clock: for `desk tick` in rehearsals and tests. */
  readonly now?: string;
  readonly publicUrl?: string;
  readonly smtp?: string;
  readonly smtpFrom?: string;
  readonly price?: number;
  readonly s3Bucket?: string;
  readonly s3Endpoint?: string;
  readonly s3Prefix?: string;
}

/** Where archives go: S3 when a bucket is named (credentials only from the environment, never options that `ps` shows). */
export function s3Options(): Option[] {
  return [
    new Option('--s3-bucket <name>', 'keep archives in this S3-compatible bucket instead of the local folder (default $REPATRIATE_S3_BUCKET; credentials from $REPATRIATE_S3_ACCESS_KEY_ID/$REPATRIATE_S3_SECRET_ACCESS_KEY or the AWS chain)'),
    new Option('--s3-endpoint <url>', 'the S3 server, e.g. https://minio.vendor.example (default $REPATRIATE_S3_ENDPOINT; none: AWS S3)'),
    new Option('--s3-prefix <prefix>', 'key prefix inside the bucket (default $REPATRIATE_S3_PREFIX)'),
  ];
}

export function smtpOptions(): Option[] {
  return [
    new Option('--smtp <url>', 'SMTP server for notifications, e.g. smtp://user:pass@mail.example:587 (default $REPATRIATE_SMTP_URL; none: notifications are recorded, not sent)'),
    new Option('--smtp-from <address>', 'sender of notifications (default $REPATRIATE_SMTP_FROM or desk@localhost)'),
  ];
}

export function priceOption(): Option {
  return new Option('--price <euros>', 'price of a further build (default €549.00, or $REPATRIATE_BUILD_PRICE)').argParser(priceCents);
}

/** "549", "549.00" or "549,5" euros → whole cents. */
export function priceCents(text: string): number {
  const match = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`"${text}" is not a price in euros (e.g. 549.00)`);
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

export function publicUrlOption(): Option {
  return new Option('--public-url <url>', 'the desk\'s address as customers reach it, for reveal links and download instructions (default $REPATRIATE_DESK_URL or http://localhost:8080)');
}

function fixedClock(text: string): () => Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError(`"${text}" is not a time (ISO 8601, e.g. 2026-12-10T01:00:00Z)`);
  return () => new Date(at);
}

export async function openDeskFromCli(options: DeskCliOptions = {}): Promise<Desk> {
  const url = options.smtp ?? process.env['REPATRIATE_SMTP_URL'];
  const envPrice = process.env['REPATRIATE_BUILD_PRICE'];
  const price = options.price ?? (envPrice ? priceCents(envPrice) : undefined);
  const s3 = s3SettingsFromEnv(process.env, { ...(options.s3Bucket ? { bucket: options.s3Bucket } : {}), ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}), ...(options.s3Prefix ? { prefix: options.s3Prefix } : {}) });
  // With a PostgreSQL store the builds go to pg-boss workers, unless $REPATRIATE_JOBS=in-process keeps them here.
  const databaseUrl = process.env['DATABASE_URL'];
  const jobs = databaseUrl && process.env['REPATRIATE_JOBS'] !== 'in-process' ? { url: databaseUrl, settings: jobSettingsFromEnv() } : undefined;
  const volumeSize = process.env['REPATRIATE_VOLUME_SIZE'] ? positiveInt(process.env['REPATRIATE_VOLUME_SIZE']) : undefined;
  return openDesk({
    home: repatriateHome(),
    ...(jobs ? { jobs } : {}),
    ...(volumeSize ? { volumeSize } : {}),
    ...(s3 ? { archiveStore: new S3ArchiveStore(s3) } : {}),
    ...(url ? { mail: { url, from: options.smtpFrom ?? process.env['REPATRIATE_SMTP_FROM'] ?? 'desk@localhost' } } : {}),
    ...(price !== undefined ? { priceCents: price } : {}),
    ...(options.now ? { clock: fixedClock(options.now) } : {}),
    ...((options.publicUrl ?? process.env['REPATRIATE_DESK_URL']) ? { publicUrl: options.publicUrl ?? process.env['REPATRIATE_DESK_URL']! } : {}),
  });
}

export async function withDesk<T>(options: DeskCliOptions, work: (desk: Desk) => Promise<T>): Promise<T> {
  const desk = await openDeskFromCli(options);
  try {
    return await work(desk);
  } finally {
    await desk.close();
  }
}

/** A secret read from a file (first line), never from the command line where `ps` shows it. */
export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new RepatriateError('REPAT_USAGE', `cannot read the ${what} file ${file}`, { hint: 'write the password alone on the first line of a file only you can read', cause });
  }
  const secret = text.split(/\r?\n/)[0] ?? '';
  if (secret.length === 0) throw new RepatriateError('REPAT_USAGE', `the ${what} file ${file} is empty`, { hint: 'write the password on its first line' });
  return secret;
}

import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { RepatriateError } from '../../core/errors.js';
import type { ArchiveStore, ByteSpan } from './store.js';

/**
 * Archives in an S3-compatible bucket (AWS S3, MinIO, Ceph, s3rver): one object per archive
 * file under `<prefix><archive id>/`, uploaded in 16 MiB multipart parts, read back with an
 * explicit `bytes=start-end` range (some servers answer the suffix form `bytes=-n` wrongly),
 * and deleted object by object at the purge.
 */
export interface S3Settings {
  readonly bucket: string;
  /** e.g. http://127.0.0.1:4568 for a local server; absent: AWS S3 of `region`. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Key prefix inside the bucket, e.g. `archives/`. */
  readonly prefix?: string;
  /** Absent: the AWS SDK's usual chain ($AWS_ACCESS_KEY_ID …, ~/.aws). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Bytes per multipart part (default 16 MiB; S3's minimum is 5 MiB). */
  readonly partBytes?: number;
}

/** S3 settings from the environment: $REPATRIATE_S3_BUCKET (required), _ENDPOINT, _REGION, _PREFIX, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY. */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: { bucket?: string; endpoint?: string; prefix?: string } = {}): S3Settings | undefined {
  const bucket = overrides.bucket ?? env['REPATRIATE_S3_BUCKET'];
  if (!bucket) return undefined;
  const endpoint = overrides.endpoint ?? env['REPATRIATE_S3_ENDPOINT'];
  const prefix = overrides.prefix ?? env['REPATRIATE_S3_PREFIX'];
  const region = env['REPATRIATE_S3_REGION'];
  const id = env['REPATRIATE_S3_ACCESS_KEY_ID'];
  const secret = env['REPATRIATE_S3_SECRET_ACCESS_KEY'];
  if ((id === undefined) !== (secret === undefined)) {
    throw new RepatriateError('REPAT_USAGE', 'only one of $REPATRIATE_S3_ACCESS_KEY_ID and $REPATRIATE_S3_SECRET_ACCESS_KEY is set', { hint: 'set both, or neither to use the AWS credential chain' });
  }
  return { bucket, ...(endpoint ? { endpoint } : {}), ...(prefix ? { prefix } : {}), ...(region ? { region } : {}), ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}) };
}

const partSize = 16 * 1024 * 1024;

export class S3ArchiveStore implements ArchiveStore {
  readonly id: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly settings: S3Settings) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(settings.bucket)) {
      throw new RepatriateError('REPAT_USAGE', `"${settings.bucket}" is not an S3 bucket name`, { hint: '3–63 lower-case letters, digits, dots and hyphens' });
    }
    this.prefix = settings.prefix ? settings.prefix.replace(/^\/+/, '').replace(/\/*$/, '/') : '';
    this.id = `s3://${settings.bucket}/${this.prefix}`;
    this.client = new S3Client({
      region: settings.region ?? 'us-east-1',
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      ...(settings.credentials ? { credentials: { ...settings.credentials } } : {}),
    });
  }

  private key(archiveId: string, name = ''): string {
    return `${this.prefix}${archiveId}/${name}`;
  }

  /** A store failure named by bucket and key, never by credential; the SDK's error is attached. */
  private failed(what: string, cause: unknown): RepatriateError {
    const detail = cause instanceof S3ServiceException ? `${cause.name}${cause.$metadata.httpStatusCode ? ` (HTTP ${cause.$metadata.httpStatusCode})` : ''}` : cause instanceof Error ? cause.message : String(cause);
    return new RepatriateError('REPAT_ARCHIVE_STORE', `the archive store ${this.id} failed to ${what}: ${detail}`, {
      hint: `check that the bucket exists and the desk's S3 credentials may read, write and delete in it${this.settings.endpoint ? ` (endpoint ${this.settings.endpoint})` : ''}`,
      cause,
    });
  }

  /** Uploads in parts of `partBytes`, two at a time; returns how many parts it took (1: a single PUT). */
  async put(archiveId: string, name: string, file: string): Promise<{ parts: number }> {
    try {
      const upload = new Upload({ client: this.client, params: { Bucket: this.settings.bucket, Key: this.key(archiveId, name), Body: createReadStream(file) }, partSize: this.settings.partBytes ?? partSize, queueSize: 2 });
      const parts = new Set<number>();
      upload.on('httpUploadProgress', (progress) => {
        if (progress.part !== undefined) parts.add(progress.part);
      });
      await upload.done();
      return { parts: Math.max(1, parts.size) };
    } catch (cause) {
      throw this.failed(`store ${name} of archive ${archiveId}`, cause);
    }
  }

  async size(archiveId: string, name: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(archiveId, name) }));
      return head.ContentLength;
    } catch (cause) {
      if (cause instanceof S3ServiceException && (cause.name === 'NotFound' || cause.name === 'NoSuchKey' || cause.$metadata.httpStatusCode === 404)) return undefined;
      throw this.failed(`look up ${name} of archive ${archiveId}`, cause);
    }
  }

  async read(archiveId: string, name: string, span?: ByteSpan): Promise<Readable> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(archiveId, name), ...(span ? { Range: `bytes=${span.start}-${span.end}` } : {}) }));
      return asReadable(got.Body);
    } catch (cause) {
      throw this.failed(`read ${name} of archive ${archiveId}`, cause);
    }
  }

  async list(archiveId: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.key(archiveId), ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key.slice(this.key(archiveId).length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (cause) {
      throw this.failed(`list archive ${archiveId}`, cause);
    }
    return names.sort();
  }

  async remove(archiveId: string): Promise<number> {
    const names = await this.list(archiveId);
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000);
      try {
        const result = await this.client.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: batch.map((n) => ({ Key: this.key(archiveId, n) })), Quiet: true } }));
        if (result.Errors && result.Errors.length > 0) throw new Error(`${result.Errors.length} object(s) not deleted: ${result.Errors[0]?.Code ?? ''} ${result.Errors[0]?.Key ?? ''}`);
      } catch (cause) {
        throw this.failed(`delete archive ${archiveId}`, cause);
      }
    }
    return names.length;
  }

  close(): void {
    this.client.destroy();
  }
}

/** The bytes of an SDK body as a Node stream (the SDK gives one already on Node; this keeps the type honest). */
export function asReadable(body: unknown): Readable {
  return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
}

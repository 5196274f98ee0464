import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { removeDir, root, tempDir } from './helpers.js';

/**
 * A real S3-compatible server for tests: an `s3rver` process on a free port of 127.0.0.1 with
 * one bucket, its data in a scratch folder. s3rver accepts the key pair S3RVER/S3RVER.
 */
export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly env: Record<string, string>;
  /** Every key in the bucket. */
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'archives'): Promise<S3Server> {
  const dir = await tempDir('s3rver');
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'node_modules/s3rver/bin/s3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', '0', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /listening on [\d.]+:(\d+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  // Drain its request log so a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    bucket,
    env: { REPATRIATE_S3_BUCKET: bucket, REPATRIATE_S3_ENDPOINT: endpoint, REPATRIATE_S3_ACCESS_KEY_ID: 'S3RVER', REPATRIATE_S3_SECRET_ACCESS_KEY: 'S3RVER' },
    async keys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async stop() {
      client.destroy();
      child.kill('SIGTERM');
      await exited;
      await removeDir(dir);
    },
  };
}

// The object store on MinIO (or any S3 API) through the official minio client. User metadata
// travels as `x-amz-meta-*` headers, which MinIO also puts in its bucket notifications.
import { Client, S3Error } from 'minio';
import type { Readable } from 'node:stream';
import { assertSafeBucketName, assertSafeObjectKey, type ObjectStore, type ObjectWrite, type StoredObject } from './object-store.ts';

export interface MinioSettings {
  /** http(s)://host:port of the S3 API. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** @default 'us-east-1' */
  region?: string;
}

const metaPrefix = 'x-amz-meta-';
const standardHeader = /^(x-amz-|content-|cache-control$|expires$|etag$|last-modified$)/;

export class MinioObjectStore implements ObjectStore {
  readonly client: Client;

  constructor(settings: MinioSettings) {
    const url = new URL(settings.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      useSSL: url.protocol === 'https:',
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      region: settings.region ?? 'us-east-1',
    });
  }

  async put(bucket: string, key: string, bytes: Uint8Array, write: ObjectWrite): Promise<void> {
    check(bucket, key);
    const headers: Record<string, string> = { 'Content-Type': write.contentType };
    for (const [name, value] of Object.entries(write.metadata ?? {})) headers[`${metaPrefix}${name}`] = value;
    await this.client.putObject(bucket, key, Buffer.from(bytes), bytes.byteLength, headers);
  }

  async get(bucket: string, key: string): Promise<StoredObject | null> {
    check(bucket, key);
    try {
      const stat = await this.client.statObject(bucket, key);
      const stream = (await this.client.getObject(bucket, key)) as Readable;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const metadata: Record<string, string> = {};
      let contentType = 'application/octet-stream';
      // minio-js strips `x-amz-meta-` from user metadata and keeps standard headers as they are.
      for (const [name, value] of Object.entries(stat.metaData as Record<string, unknown>)) {
        const lower = name.toLowerCase();
        if (lower === 'content-type') contentType = String(value);
        else if (!standardHeader.test(lower)) metadata[lower] = String(value);
      }
      return { bytes: new Uint8Array(Buffer.concat(chunks)), contentType, metadata, lastModified: stat.lastModified };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    check(bucket, key);
    try {
      await this.client.statObject(bucket, key);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function check(bucket: string, key: string) {
  assertSafeBucketName(bucket);
  assertSafeObjectKey(key);
}

function isNotFound(error: unknown): boolean {
  const code = error instanceof S3Error ? error.code : (error as { code?: string } | null)?.code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}

import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../../app-definition.ts';
import { app, type App } from '../../app.ts';
import { generateSecrets, type PlatformContext } from '../context.ts';
import { renderMinio } from './objects.ts';
import { functionMinioUsers, functionPolicy, renderFunctionMinioSecrets } from './function-users.ts';

const ctx = (secrets = generateSecrets()): PlatformContext => ({ app, namespace: 'knative-forecast', profile: 'default', secrets, publicUrl: 'http://forecast.192.168.49.2.sslip.io' });

describe('MinIO users of the functions', () => {
  it('allow each function what its entry declares on its buckets, and nothing else', () => {
    expect(functionPolicy(app, 'download-forecast')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::forecasts/*'] }],
    });
    expect(functionPolicy(app, 'parse-forecast').Statement).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::forecasts/*'] }]);
    expect(functionPolicy(app, 'dead-letters').Statement).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::dead-letters/*'] }]);
  });

  it('grant listing on the bucket itself, not on its objects', () => {
    const copy = structuredClone(app) as AppDefinition<string>;
    (copy.functions['dead-letters'] as { buckets: object }).buckets = { 'dead-letters': ['write', 'list'] };
    expect(functionPolicy(copy as App, 'dead-letters').Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::dead-letters/*'] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::dead-letters'] },
    ]);
  });

  it('exist for the functions that store objects only', () => {
    expect(functionMinioUsers(app, 'root-password').map((u) => [u.function, u.accessKey, u.secretName])).toEqual([
      ['download-forecast', 'function-download-forecast', 'download-forecast-minio-credentials'],
      ['parse-forecast', 'function-parse-forecast', 'parse-forecast-minio-credentials'],
      ['dead-letters', 'function-dead-letters', 'dead-letters-minio-credentials'],
    ]);
  });

  it('have keys that are the same on every run, differ between functions and clusters, and are not the root password', () => {
    const secrets = generateSecrets();
    const first = functionMinioUsers(app, secrets.minioRootPassword);
    expect(functionMinioUsers(app, secrets.minioRootPassword)).toEqual(first);
    const keys = first.map((u) => u.secretKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(key).not.toContain(secrets.minioRootPassword);
    }
    const other = functionMinioUsers(app, generateSecrets().minioRootPassword).map((u) => u.secretKey);
    for (const [i, key] of other.entries()) expect(key).not.toBe(keys[i]);
  });

  it('are rendered with MinIO, one Secret per function, holding that function’s keys only', () => {
    const c = ctx();
    const secrets = renderMinio(c).filter((o) => o.kind === 'Secret');
    expect(secrets.map((s) => s.metadata.name)).toEqual(['minio-credentials', 'download-forecast-minio-credentials', 'parse-forecast-minio-credentials', 'dead-letters-minio-credentials']);
    const users = functionMinioUsers(app, c.secrets.minioRootPassword);
    for (const secret of renderFunctionMinioSecrets(c)) {
      const user = users.find((u) => u.secretName === secret.metadata.name);
      expect(secret.stringData).toEqual({ accessKey: user?.accessKey, secretKey: user?.secretKey });
      expect(Object.values(secret.stringData as object)).not.toContain(c.secrets.minioRootPassword);
      expect(Object.values(secret.stringData as object)).not.toContain(c.secrets.minioRootUser);
    }
  });
});

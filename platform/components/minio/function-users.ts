// Each function that stores objects reaches MinIO as a user of its own, whose policy allows what
// the app definition says the function does on its buckets and nothing else; no function holds
// MinIO's root credentials. The user's secret key is derived from MinIO's root password (an
// HMAC of it), so the rendered Secrets and the users the bootstrap creates in MinIO agree, stay
// the same on every re-run, and need nothing stored beside the generated secrets. Knowing a
// function's key tells nothing about the root password.
import { createHmac } from 'node:crypto';
import type { BucketAccess, BucketName } from '../../app-definition.ts';
import type { App, FunctionName } from '../../app.ts';
import { partOf, type KubeObject } from '../../render/kube-object.ts';
import type { PlatformContext } from '../context.ts';

export interface FunctionMinioUser {
  function: FunctionName;
  /** MinIO access key: the user's name, also the name of its policy. */
  accessKey: string;
  secretKey: string;
  /** The Secret the function's Service reads its credentials from (keys `accessKey`, `secretKey`). */
  secretName: string;
  /** The IAM policy document attached to the user. */
  policy: IamPolicy;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: { Effect: 'Allow'; Action: string[]; Resource: string[] }[];
}

/** The S3 actions each kind of access allows, and whether they apply to objects or to the bucket itself. */
const accessActions: Record<BucketAccess, { action: string; on: 'objects' | 'bucket' }> = {
  read: { action: 's3:GetObject', on: 'objects' },
  write: { action: 's3:PutObject', on: 'objects' },
  list: { action: 's3:ListBucket', on: 'bucket' },
};

/** The name of a function's MinIO user and policy. */
export const functionMinioUserName = (name: FunctionName): string => `function-${name}`;

/** The Secret holding a function's MinIO credentials. */
export const functionMinioSecretName = (name: FunctionName): string => `${name}-minio-credentials`;

/** The functions that use the object store, in the order of the app definition. */
export function objectStoreFunctions(app: App): FunctionName[] {
  return (Object.keys(app.functions) as FunctionName[]).filter((name) => app.functions[name].uses.includes('objectStore'));
}

/** The policy allowing exactly the access a function declares on each of its buckets. */
export function functionPolicy(app: App, name: FunctionName): IamPolicy {
  const buckets = Object.entries(app.functions[name].buckets ?? {}) as [BucketName, readonly BucketAccess[]][];
  const statements: IamPolicy['Statement'] = [];
  for (const [bucket, access] of buckets) {
    const on = (target: 'objects' | 'bucket') => [...new Set(access.filter((a) => accessActions[a].on === target).map((a) => accessActions[a].action))];
    const objectActions = on('objects');
    const bucketActions = on('bucket');
    if (objectActions.length > 0) statements.push({ Effect: 'Allow', Action: objectActions, Resource: [`arn:aws:s3:::${bucket}/*`] });
    if (bucketActions.length > 0) statements.push({ Effect: 'Allow', Action: bucketActions, Resource: [`arn:aws:s3:::${bucket}`] });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The MinIO user of every function that stores objects, from MinIO's root password. */
export function functionMinioUsers(app: App, minioRootPassword: string): FunctionMinioUser[] {
  return objectStoreFunctions(app).map((name) => ({
    function: name,
    accessKey: functionMinioUserName(name),
    // 24 bytes of HMAC-SHA256 as 32 base64url characters: within MinIO's 8–40 for secret keys.
    secretKey: createHmac('sha256', minioRootPassword).update(`minio user of function ${name}`).digest().subarray(0, 24).toString('base64url'),
    secretName: functionMinioSecretName(name),
    policy: functionPolicy(app, name),
  }));
}

/** One Secret per function that stores objects, read by that function's Service only. */
export function renderFunctionMinioSecrets(ctx: PlatformContext): KubeObject[] {
  return functionMinioUsers(ctx.app, ctx.secrets.minioRootPassword).map((user) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: user.secretName, namespace: ctx.namespace, labels: partOf(ctx.app, 'minio') },
    type: 'Opaque',
    stringData: { accessKey: user.accessKey, secretKey: user.secretKey },
  }));
}

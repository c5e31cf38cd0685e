// How a rendered container becomes a process's environment and files (workloads.ts), on the
// objects the platform renders: what the kubelet would refuse, the harness refuses too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../platform/app.ts';
import { generateSecrets, type PlatformContext } from '../../platform/components/context.ts';
import { renderEdge } from '../../platform/components/edge/objects.ts';
import { renderKeycloak } from '../../platform/components/keycloak/objects.ts';
import type { KubeObject } from '../../platform/render/kube-object.ts';
import { serverTempDir, type TempDir } from '../support/processes.ts';
import { keyOf, mountVolumes, podOf, resolveEnv, type Container, type Translation } from './workloads.ts';

const ctx: PlatformContext = { app, namespace: 'knative-forecast', profile: 'small', secrets: generateSecrets(), publicUrl: 'http://forecast.127.0.2.1.sslip.io:30080' };
const deployment = (objects: KubeObject[]) => objects.find((o) => o.kind === 'Deployment') as KubeObject;

describe('a rendered container as a process', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await serverTempDir('workloads');
  });
  afterAll(() => temp.remove());

  it('resolves secretKeyRef from what was applied, and refuses one nothing created, naming it', () => {
    const keycloak = renderKeycloak(ctx);
    const container = podOf(deployment(keycloak)).containers[0] as Container;
    // The operator's credentials Secret does not exist before the postgres step: the pod could not start.
    expect(() => resolveEnv('keycloak', ctx.namespace, container, keycloak)).toThrow(/KC_DB_USERNAME refers to Secret keycloak\.forecast-db\.credentials\.postgresql\.acid\.zalan\.do key username/);
    const credentials: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keycloak.forecast-db.credentials.postgresql.acid.zalan.do', namespace: ctx.namespace },
      data: { username: Buffer.from('keycloak').toString('base64'), password: Buffer.from('s3cret').toString('base64') },
    };
    const env = resolveEnv('keycloak', ctx.namespace, container, [...keycloak, credentials]);
    expect(env).toMatchObject({ KC_DB_USERNAME: 'keycloak', KC_DB_PASSWORD: 's3cret', KC_BOOTSTRAP_ADMIN_PASSWORD: ctx.secrets.keycloakBootstrapPassword });
    expect(keyOf([credentials], 'Secret', ctx.namespace, credentials.metadata.name, 'password')).toBe('s3cret');
  });

  it('writes a mounted ConfigMap under the workload’s root and moves paths under the mount there', async () => {
    const edge = renderEdge(ctx);
    const pod = podOf(deployment(edge));
    const container = pod.containers[0] as Container;
    const notes: Translation[] = [];
    const mounts = await mountVolumes('edge', ctx.namespace, pod, container, edge, join(temp.path, 'edge'), (t) => notes.push(t));
    const configFile = mounts.local('/etc/nginx/edge/nginx.conf');
    expect(configFile).toBe(join(temp.path, 'edge', 'etc/nginx/edge/nginx.conf'));
    expect(await readFile(configFile, 'utf8')).toBe(keyOf(edge, 'ConfigMap', ctx.namespace, 'edge', 'nginx.conf'));
    expect(mounts.local('/usr/sbin/nginx')).toBe('/usr/sbin/nginx');
    expect(notes.map((n) => n.rendered).sort()).toEqual(['volume cache at /var/cache/nginx', 'volume config at /etc/nginx/edge', 'volume run at /tmp/']);
  });

  it('refuses a volume whose Secret nothing rendered', async () => {
    const keycloak = renderKeycloak(ctx);
    const pod = podOf(deployment(keycloak));
    const withoutRealm = keycloak.filter((o) => o.kind !== 'Secret');
    await expect(mountVolumes('keycloak', ctx.namespace, pod, pod.containers[0] as Container, withoutRealm, join(temp.path, 'keycloak'), () => {})).rejects.toThrow(/volume realm mounts Secret keycloak, which nothing rendered/);
  });
});

// The Go modules in control-plane/ require exactly what versions.ts pins (the build refuses to
// start otherwise; this says so before a ten-minute build would).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGoMod, expectedRequirements } from './build.ts';
import { stagingVersion } from './versions.ts';

const goMod = (name: string) => readFile(join(import.meta.dirname, 'control-plane', name, 'go.mod'), 'utf8');

describe('control-plane pins', () => {
  it('go.mod of etcd and of kubernetes agree with versions.ts', async () => {
    expect(checkGoMod(await goMod('etcd'), expectedRequirements('etcd'))).toEqual([]);
    expect(checkGoMod(await goMod('kubernetes'), expectedRequirements('kubernetes'))).toEqual([]);
  });

  it('names a staging module pinned at another release', async () => {
    const drifted = (await goMod('kubernetes')).replace('k8s.io/client-go => k8s.io/client-go v0.34.4', 'k8s.io/client-go => k8s.io/client-go v0.34.3');
    expect(checkGoMod(drifted, expectedRequirements('kubernetes'))).toEqual(['k8s.io/client-go is v0.34.3, versions.ts wants v0.34.4']);
  });

  it('derives the staging version from the Kubernetes release', () => {
    expect(stagingVersion('v1.34.4')).toBe('v0.34.4');
    expect(() => stagingVersion('1.34')).toThrow(/not a Kubernetes release/);
  });
});

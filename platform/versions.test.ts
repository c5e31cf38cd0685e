// The Node.js release is pinned once, as the function images' base; CI, the contributors' shell
// helper and the GitHub workflow run that same release, so what ships is what is tested.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { versions } from './versions.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const { nodeVersion } = versions.nodeBaseImage;

describe('the Node.js release', () => {
  it('is the one inside the base image', () => {
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions.nodeBaseImage.image).toBe(`docker.io/library/node:${nodeVersion}-bookworm-slim`);
    expect(Number(nodeVersion.split('.')[0])).toBe(versions.nodeRuntime.major);
  });

  it('runs these tests: the exact release in CI (.ci/run installs it), its major line anywhere', () => {
    if (process.env.CI) expect(process.versions.node).toBe(nodeVersion);
    expect(Number(process.versions.node.split('.')[0])).toBe(versions.nodeRuntime.major);
  });

  it('is what package.json asks for and what the cluster workflow sets up', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(pkg.engines.node).toBe(`>=${versions.nodeRuntime.major}`);
    expect(pkg.devDependencies['@types/node']?.split('.')[0]).toBe(String(versions.nodeRuntime.major));
    const workflow = parse(await readFile(join(root, '.github', 'workflows', 'cluster.yml'), 'utf8')) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }> };
    const setups = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses?.startsWith('actions/setup-node')));
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) expect(String(step.with?.['node-version'])).toBe(nodeVersion);
  });

  // Sourced on the pinned release itself, the helper must find it already there and install nothing.
  it.runIf(process.versions.node === nodeVersion)('is the one scripts/use-node.sh puts on PATH', async () => {
    const { stdout } = await run('bash', ['-c', 'source scripts/use-node.sh >/dev/null && node -p process.versions.node'], {
      cwd: root,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    });
    expect(stdout.trim()).toBe(nodeVersion);
  });
});

// npm run bootstrap -- --dry-run prints the plan for either target with no cluster at all (no
// kubeconfig), and says what is missing when the target cannot be known.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const bootstrap = (...args: string[]) =>
  run(process.execPath, [join(repo, 'scripts', 'platform.ts'), 'bootstrap', ...args], { env: { ...process.env, KUBECONFIG: join(repo, 'no-such-kubeconfig') } });

describe('npm run bootstrap -- --dry-run', () => {
  it.each(['minikube', 'microk8s'])('prints the plan for %s without a cluster', async (target) => {
    const { stdout } = await bootstrap('--dry-run', '--target', target);
    expect(stdout).toMatch(new RegExp(`^bootstrap plan for ${target}, default profile, namespace knative-forecast: 23 steps in 8 waves`));
    expect(stdout).toContain(target === 'minikube' ? 'run     minikube addons enable registry' : 'run     microk8s enable registry');
    expect(stdout).toContain('apply   strimzi-cluster-operator-1.2.0.yaml');
  }, 60_000);

  it('prints the --small plan, with no Kafka', async () => {
    const { stdout } = await bootstrap('--dry-run', '--target', 'minikube', '--small');
    expect(stdout).toMatch(/^bootstrap plan for minikube, small profile/);
    expect(stdout).toContain('in-memory-channel.yaml');
    expect(stdout).not.toContain('strimzi');
  }, 60_000);

  it('without a target or a kubeconfig naming one, says how to give it', async () => {
    const error = await bootstrap('--dry-run').then(
      () => undefined,
      (e: unknown) => e as { stderr: string; code: number },
    );
    expect(error?.code).toBe(1);
    expect(error?.stderr).toContain('error: --dry-run needs the target: --target microk8s or --target minikube');
  }, 60_000);
});

// The cluster commands as a new user first meets them, run as real processes: with no kubeconfig,
// with one whose API server is not there, and with a context that names neither minikube nor
// microk8s. Each ends with one paragraph saying what was found and the command to run next, exit
// code 1, and no stack trace (unless --debug asks for it); none retries a server that is not there.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/fixtures.ts';

const repo = join(import.meta.dirname, '..');
let home: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  home = await tempDir('forecast-cluster-start-');
});
afterAll(() => home.remove());

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node scripts/platform.ts ...args` with HOME as given and KUBECONFIG unset unless given. */
function platform(args: string[], env: { HOME: string; KUBECONFIG?: string }): Promise<Result> {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: '1', ...env };
  if (!env.KUBECONFIG) delete base.KUBECONFIG;
  delete base.KUBERNETES_SERVICE_HOST;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repo, 'scripts', 'platform.ts'), ...args], { cwd: repo, env: base, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const kubeconfig = (server: string, context: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: c, cluster: { server: '${server}' } }]`,
    'users: [{ name: u, user: { token: not-a-real-token } }]',
    `contexts: [{ name: ${context}, context: { cluster: c, user: u } }]`,
    `current-context: ${context}`,
    '',
  ].join('\n');

/** One paragraph on stderr: "error: …" then "next: …", nothing after, no stack frame. */
function expectParagraph(result: Result, found: RegExp, next: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(found);
  expect(lines[1]).toMatch(/^next: /);
  expect(lines[1]).toMatch(next);
}

describe('with no kubeconfig at all', () => {
  it.concurrent.each([['bootstrap'], ['status'], ['doctor'], ['deploy'], ['teardown'], ['bootstrap', '--target', 'minikube']])(
    'npm run %s says there is none and how to get one',
    async (...args) => {
      const result = await platform(args, { HOME: home.path });
      expectParagraph(result, /no kubeconfig: ~\/\.kube\/config does not exist and KUBECONFIG is not set/, /minikube start --cpus 4 --memory 8g.*microk8s config > ~\/\.kube\/config/);
      expect(result.stderr).not.toMatch(/loaded-context|localhost:8080/);
    },
    60_000,
  );

  it('says so of an empty file and of a KUBECONFIG naming files that do not exist', async () => {
    const dir = join(home.path, 'empty');
    await mkdir(join(dir, '.kube'), { recursive: true });
    await writeFile(join(dir, '.kube', 'config'), '');
    expectParagraph(await platform(['status'], { HOME: dir }), /~\/\.kube\/config is empty/, /minikube start/);
    const listed = await platform(['doctor'], { HOME: dir, KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}` });
    expectParagraph(listed, /KUBECONFIG=.*names no file with anything in it/, /microk8s config/);
  }, 60_000);

  it('prints the stack and the error\'s fields with --debug', async () => {
    const result = await platform(['doctor', '--debug'], { HOME: home.path });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no kubeconfig/);
    expect(result.stderr).toMatch(/^\s+at loadKubeConfig /m);
  }, 60_000);
});

describe('with a kubeconfig whose API server is not there', () => {
  it('npm run status says nothing answers where the context points, and how to start minikube', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const file = join(home.path, 'refused.kubeconfig');
    await writeFile(file, kubeconfig(`https://127.0.0.1:${port}`, 'minikube'));
    const result = await platform(['status'], { HOME: home.path, KUBECONFIG: file });
    expectParagraph(result, new RegExp(`context "minikube" points at https://127\\.0\\.0\\.1:${port}, and nothing answers there \\(connect ECONNREFUSED`), /^next: minikube start --cpus 4 --memory 8g$/);
  }, 60_000);

  it('tries once: a server that hangs up on every connection is reached exactly once', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const file = join(home.path, 'hangup.kubeconfig');
      await writeFile(file, kubeconfig(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, 'microk8s'));
      const result = await platform(['doctor'], { HOME: home.path, KUBECONFIG: file });
      expectParagraph(result, /context "microk8s" points at .* and nothing answers there/, /microk8s start && microk8s status --wait-ready/);
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('names an unknown host, and the minikube profile given', async () => {
    const file = join(home.path, 'nohost.kubeconfig');
    await writeFile(file, kubeconfig('https://cluster.invalid:8443', 'dev'));
    const result = await platform(['bootstrap', '-p', 'dev'], { HOME: home.path, KUBECONFIG: file });
    expectParagraph(result, /points at https:\/\/cluster\.invalid:8443, and nothing answers there \(.*ENOTFOUND/, /^next: minikube start -p dev$/);
  }, 60_000);
});

describe('with a context that is neither minikube nor microk8s', () => {
  it('npm run doctor asks for --target, before contacting anything', async () => {
    const file = join(home.path, 'other.kubeconfig');
    await writeFile(file, kubeconfig('https://127.0.0.1:1', 'prod-east'));
    const result = await platform(['doctor'], { HOME: home.path, KUBECONFIG: file });
    expectParagraph(result, /current context "prod-east" \(API server https:\/\/127\.0\.0\.1:1\) is neither minikube nor microk8s/, /--target minikube or --target microk8s/);
  }, 60_000);

  it('a --context the kubeconfig lacks names the ones it has', async () => {
    const file = join(home.path, 'other.kubeconfig');
    await writeFile(file, kubeconfig('https://127.0.0.1:1', 'prod-east'));
    const result = await platform(['status', '--context', 'minikube'], { HOME: home.path, KUBECONFIG: file });
    expectParagraph(result, /has no context "minikube"; it has "prod-east"/, /--context prod-east/);
  }, 60_000);
});

describe('options that contradict each other or lack a part', () => {
  it('a registry user without a password, and a minikube profile on microk8s, stop before the cluster is looked for', async () => {
    const env = { HOME: home.path };
    const noPassword = await platform(['bootstrap', '--registry', 'registry.example.com', '--registry-username', 'robot'], env);
    expectParagraph(noPassword, /--registry-username needs a password, and neither REGISTRY_PASSWORD nor --registry-password-file gives one/, /REGISTRY_PASSWORD=…/);
    const unreadable = await platform(['deploy', '--registry-username', 'robot', '--registry-password-file', join(home.path, 'missing')], env);
    expectParagraph(unreadable, /--registry-password-file .*missing cannot be read \(ENOENT\)/, /a file holding the password alone/);
    const profile = await platform(['doctor', '--target', 'microk8s', '-p', 'dev'], env);
    expectParagraph(profile, /-p\/--profile dev names a minikube profile, and --target is microk8s/, /drop -p, or use --target minikube/);
  }, 60_000);
});

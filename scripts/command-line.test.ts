// The commands' command lines, run as the user runs them: every command answers --help with its
// options, and a mistyped option stops a command before it does anything, with exit code 2 and the
// option meant. The kubeconfig points at a server of the test's own that counts what reaches it,
// so a command that went on to contact the cluster would be seen.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/fixtures.ts';

const repo = join(import.meta.dirname, '..');

let requests: string[] = [];
let server: Server;
let serverUrl: string;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await tempDir('forecast-command-line-');
  await writeFile(
    join(dir.path, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      // Plain HTTP: the client refuses it unless TLS verification is off, and would never reach it.
      `clusters: [{ name: recorder, cluster: { server: '${serverUrl}', insecure-skip-tls-verify: true } }]`,
      'users: [{ name: someone, user: { token: not-a-real-token } }]',
      'contexts: [{ name: minikube, context: { cluster: recorder, user: someone } }]',
      'current-context: minikube',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dir.remove();
});

/** Runs `node scripts/<script> ...args` with the recording cluster as the kubeconfig. */
function run(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: join(dir.path, 'kubeconfig'), FORECAST_URL: serverUrl, BROKER_URL: serverUrl, CI: '1' };
  delete env.FORECAST_TOKEN;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repo, 'scripts', script), ...args], { cwd: repo, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('--help', () => {
  const commands = [
    'cluster.ts',
    'cluster.ts up',
    'cluster.ts down',
    'cluster.ts status',
    'dev.ts',
    'images.ts',
    'mirror.ts',
    'new-function.ts',
    'parse.ts',
    'platform.ts',
    'platform.ts bootstrap',
    'platform.ts deploy',
    'platform.ts status',
    'platform.ts doctor',
    'platform.ts teardown',
    'reload.ts',
    'render.ts',
    'replay-dead-letters.ts',
    'smoke.ts',
    'versions.ts',
  ];

  // Side by side: each only reads its own arguments and prints.
  it.concurrent.each(commands)('node scripts/%s --help prints its usage and exits 0', async (line) => {
    const [script = '', ...subcommand] = line.split(' ');
    const result = await run(script, ...subcommand, '--help');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: /);
    expect(result.stdout).toMatch(/--help +print this help and exit$|<command> --help$/m);
    // Every command shows how it is called, and takes --debug.
    expect(result.stdout).toMatch(/^examples:\n {2}\S/m);
    if (subcommand.length || !['cluster.ts', 'platform.ts'].includes(script)) expect(result.stdout).toMatch(/^ +--debug +on an error, print its stack and causes too$/m);
    expect(requests).toEqual([]);
  }, 60_000);

  it('node scripts/render.ts --help lists each of its options with its description and default', async () => {
    const { code, stdout } = await run('render.ts', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run render -- --out <dir> \[options\]$/m);
    expect(stdout).toMatch(/^ +--out <dir> +the directory to write the three files to \(required\)$/m);
    expect(stdout).toMatch(/^ +--small +the small profile: the in-memory broker instead of Kafka$/m);
    expect(stdout).toMatch(/^ +--registry <host:port> +.*\(default: localhost:32000\)$/m);
    expect(stdout).toMatch(/^ +--public-url <url> +.*\(default: http:\/\/forecast\.127\.0\.0\.1\.sslip\.io\)$/m);
  }, 60_000);

  it('npm run bootstrap -- --help lists the options real clusters need, each with its default, and examples', async () => {
    const { code, stdout } = await run('platform.ts', 'bootstrap', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}-p, --profile <name> +the minikube profile, passed to every minikube command as -p; .*\(default: minikube's current profile\)$/m);
    expect(stdout).toMatch(/^ +--registry <host:port> +the registry images are pushed to \(default: the target's add-on registry\)$/m);
    expect(stdout).toMatch(/^ +--pull-registry <host:port> +.*\(default: --registry\)$/m);
    expect(stdout).toMatch(/^ +--insecure +push to --registry over plain HTTP/m);
    expect(stdout).toMatch(/^ +--registry-username <name> +.*REGISTRY_PASSWORD or --registry-password-file, never the command line$/m);
    expect(stdout).toMatch(/^ +--domain <name> +.*\(default: <node-ip>\.sslip\.io\)$/m);
    expect(stdout).toMatch(/^ +--public-url <url> +.*\(default: http:\/\/forecast\.<domain>:30080\)$/m);
    expect(stdout).toMatch(/^examples:\n {2}npm run bootstrap -- --dry-run --target minikube$/m);
  }, 60_000);

  it('node scripts/platform.ts --help lists the subcommands', async () => {
    const { code, stdout } = await run('platform.ts', '-h');
    expect(code).toBe(0);
    for (const name of ['bootstrap', 'deploy', 'status', 'doctor', 'teardown']) expect(stdout).toMatch(new RegExp(`^ {2}${name} +.+\\(npm run ${name}\\)$`, 'm'));
  }, 60_000);
});

describe('a command line the command cannot take', () => {
  it('npm run bootstrap -- --dryrun exits 2 naming --dry-run, and never contacts the cluster', async () => {
    requests = [];
    const result = await run('platform.ts', 'bootstrap', '--dryrun', '--target', 'minikube');
    expect(requests).toEqual([]);
    expect(result.stderr).toBe('error: unknown option --dryrun; did you mean --dry-run?\nnext: see npm run bootstrap -- --help\n');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  }, 60_000);

  it.each([
    [['teardown', '--keepdata'], 'unknown option --keepdata; did you mean --keep-data?'],
    [['deploy', '--small', '--registy', 'localhost:5000'], 'unknown option --registy; did you mean --registry?'],
    [['status', '--keep-data'], 'unknown option --keep-data'],
    [['doctor', '--target', 'minikub'], '--target must be one of microk8s, minikube, not "minikub"; did you mean minikube?'],
    [['bootstrap', '--manifests'], '--manifests needs a value: --manifests <dir>'],
  ])('npm run %j exits 2 (%s) and never contacts the cluster', async (args, message) => {
    requests = [];
    const result = await run('platform.ts', ...args);
    expect(requests).toEqual([]);
    expect(result.stderr).toContain(`error: ${message}\n`);
    expect(result.code).toBe(2);
  }, 60_000);

  it('an unknown subcommand exits 2 naming the closest', async () => {
    const result = await run('platform.ts', 'teardwon');
    expect(result.stderr).toBe('error: unknown command "teardwon"; did you mean teardown?\nnext: see node scripts/platform.ts --help\n');
    expect(result.code).toBe(2);
  }, 60_000);

  it('a value not allowed or missing exits 2 before anything is sent', async () => {
    requests = [];
    const user = await run('reload.ts', '--user', 'root');
    expect(user.stderr).toContain('error: --user must be one of admin, viewer, not "root"');
    expect(user.code).toBe(2);
    const out = await run('render.ts', '--out');
    expect(out.stderr).toContain('error: --out needs a value: --out <dir>');
    expect(out.code).toBe(2);
    const replay = await run('replay-dead-letters.ts', '--dryrun', '--data-dir', dir.path);
    expect(replay.stderr).toContain('error: unknown option --dryrun; did you mean --dry-run?');
    expect(replay.code).toBe(2);
    expect(requests).toEqual([]);
  }, 60_000);
});

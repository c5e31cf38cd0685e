// An OCI registry: the CNCF distribution registry, installed with `go install` into the cache and
// started on loopback with filesystem storage in a temporary directory, plain HTTP and no auth
// (as the clusters' registry addons serve it). Its configuration file is written per start.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureInstalled, runCommand } from './cache.ts';
import { requireGo } from './go-module.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from './process.ts';
import { serverVersions } from './versions.ts';

export async function installRegistry(): Promise<string> {
  const { module, version } = serverVersions.registry;
  const dir = await ensureInstalled({
    name: 'registry',
    version,
    install: async (target) => {
      await requireGo();
      await runCommand('nice', ['-n', '10', 'go', 'install', `${module}/cmd/registry@${version}`], {
        env: { GOBIN: target, GOFLAGS: '-buildvcs=false' },
        label: `go install ${module}/cmd/registry@${version}`,
      });
    },
  });
  return join(dir, 'registry');
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`, as image references name it. */
  host: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The registry's log so far (its access log lists every request). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<RunningRegistry> {
  const binary = await installRegistry();
  const temp = await serverTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: info',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(temp.path, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n');
  const configFile = join(temp.path, 'config.yml');
  await writeFile(configFile, config);
  // v3 exports traces over OTLP by default and complains when nothing receives them.
  const server = startProcess('registry', binary, ['serve', configFile], {
    env: { OTEL_TRACES_EXPORTER: 'none' },
    logFile: join(temp.path, 'registry.log'),
  });
  const url = `http://${host}`;
  try {
    await waitForReady(server, 'GET /v2/', () => httpOk(`${url}/v2/`), 30_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  return {
    host,
    url,
    tail: (lines) => server.tail(lines),
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}

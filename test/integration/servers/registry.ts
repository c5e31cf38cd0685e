// An OCI registry: the CNCF distribution registry, installed with `go install` into the cache and
// started on loopback with filesystem storage in a temporary directory, plain HTTP and no auth
// (as the clusters' registry addons serve it), or HTTPS with a self-signed certificate. Its
// configuration file is written per start.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureInstalled, runCommand } from './cache.ts';
import { requireGo } from './go-module.ts';
import { freePort, httpOk, serverTempDir, startProcess, tcpOpen, waitForReady } from '../../support/processes.ts';
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
  /** `http://127.0.0.1:<port>` (`https://` with tls). */
  url: string;
  /** The registry's log so far (its access log lists every request). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Serve HTTPS with a self-signed certificate (made by openssl), as a registry behind TLS would. @default false */
  tls?: boolean;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const binary = await installRegistry();
  const temp = await serverTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const tls: string[] = [];
  if (options.tls) {
    const [cert, key] = [join(temp.path, 'cert.pem'), join(temp.path, 'key.pem')];
    await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { heartbeat: false });
    tls.push('  tls:', `    certificate: ${cert}`, `    key: ${key}`);
  }
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
    ...tls,
    '',
  ].join('\n');
  const configFile = join(temp.path, 'config.yml');
  await writeFile(configFile, config);
  // v3 exports traces over OTLP by default and complains when nothing receives them.
  const server = startProcess('registry', binary, ['serve', configFile], {
    env: { OTEL_TRACES_EXPORTER: 'none' },
    logFile: join(temp.path, 'registry.log'),
  });
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  // The certificate is self-signed: readiness is a TCP check, the tests speak HTTPS themselves.
  try {
    await waitForReady(server, options.tls ? 'its TLS port' : 'GET /v2/', () => (options.tls ? tcpOpen(port) : httpOk(`${url}/v2/`)), 30_000);
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

// The cluster's edge proxy on loopback: the nginx.conf platform/components/edge/nginx-conf.ts renders, run
// by the machine's nginx with only addresses changed (the upstreams' Service names become
// loopback ports, nginx listens on free ports, the access log goes to a file). Everything else,
// the locations, headers and buffer sizes, is what the edge pod runs.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app } from '../../../platform/app.ts';
import { renderEdgeConfig } from '../../../platform/components/edge/nginx-conf.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from '../../support/processes.ts';

const namespace = 'knative-forecast';

/** The first nginx on PATH or in Debian's sbin. */
function findNginx(): string {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error('the edge suite needs nginx: apt-get install -y nginx');
}

export interface RunningEdge {
  /** http://127.0.0.1:<port>, the public origin in these tests. */
  url: string;
  /** The last lines nginx wrote to its error log (stderr). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export interface EdgeUpstreams {
  /** Where the edge finds each Service, by its short name: `{ keycloak: 'http://127.0.0.1:8180' }`. */
  services: Record<string, string>;
  /** The edge's port, when the caller needed it before the upstreams started. @default a free port */
  port?: number;
}

export async function startEdge(options: EdgeUpstreams): Promise<RunningEdge> {
  const nginx = findNginx();
  const port = options.port ?? (await freePort());
  const healthPort = await freePort();
  let config = renderEdgeConfig({ app, namespace }, { resolver: '127.0.0.1' })
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('listen 8081;', `listen 127.0.0.1:${healthPort};`)
    // nginx opens /dev/stdout for the access log, which fails when stdout is a pipe.
    .replace('/dev/stdout', 'access.log');
  for (const [name, url] of Object.entries(options.services)) {
    const pattern = new RegExp(`"${name}\\.${namespace}\\.svc\\.cluster\\.local(?::\\d+)?"`, 'g');
    if (!pattern.test(config)) throw new Error(`the rendered edge config has no upstream named ${name}`);
    config = config.replace(pattern, `"${new URL(url).host}"`);
  }

  const temp = await serverTempDir('edge');
  const file = join(temp.path, 'nginx.conf');
  await writeFile(file, config);
  const server = startProcess('nginx', nginx, ['-p', `${temp.path}/`, '-e', 'stderr', '-c', file], { logFile: join(temp.path, 'nginx.log') });
  try {
    await waitForReady(server, 'GET /ready', () => httpOk(`http://127.0.0.1:${healthPort}/ready`), 10_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    tail: (lines) => server.tail(lines),
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}

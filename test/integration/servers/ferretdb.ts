// FerretDB, the MongoDB-wire server of the suite (there is no MongoDB build in the registries
// this machine reaches). Built from ./ferretdb, our main.go around FerretDB's embeddable
// package, and run with the SQLite backend in a temporary directory. The app reaches it with
// the official mongodb driver, as it reaches Percona's MongoDB in the cluster.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { installGoModule } from './go-module.ts';
import { freePort, serverTempDir, startProcess, tcpOpen, waitForReady } from '../../support/processes.ts';
import { serverVersions } from './versions.ts';

export function installFerretdb(): Promise<string> {
  return installGoModule({
    name: 'ferretdb',
    moduleDir: join(import.meta.dirname, 'ferretdb'),
    requires: serverVersions.ferretdb,
    pkg: '.',
    binary: 'ferretdb-loopback',
  });
}

export interface RunningFerretdb {
  /** The settings cluster-services.ts reads. */
  env: { MONGODB_URL: string; MONGODB_DATABASE: string };
  stop(): Promise<void>;
}

/** Where it listens. @default 127.0.0.1 and a free port */
export async function startFerretdb(address: { host?: string; port?: number } = {}): Promise<RunningFerretdb> {
  const binary = await installFerretdb();
  const temp = await serverTempDir('ferretdb');
  const host = address.host ?? '127.0.0.1';
  const port = address.port ?? (await freePort());
  await mkdir(join(temp.path, 'data'));
  const server = startProcess('ferretdb', binary, ['--listen', `${host}:${port}`, '--data-dir', join(temp.path, 'data')], {
    logFile: join(temp.path, 'ferretdb.log'),
  });
  try {
    await waitForReady(server, `listening on port ${port}`, () => tcpOpen(port, host), 30_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  return {
    env: { MONGODB_URL: `mongodb://${host}:${port}/`, MONGODB_DATABASE: 'forecast' },
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}

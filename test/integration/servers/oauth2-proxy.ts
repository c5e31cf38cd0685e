// oauth2-proxy, built from ./oauth2-proxy (a module of ours requiring the release), started on
// loopback with the argument list the platform renders (platform/components/oauth2-proxy/arguments.ts) in front of
// reload-forecast, and its secrets in the environment as the cluster passes them.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { app } from '../../../platform/app.ts';
import { oauth2ProxyArgs, oauth2ProxySecretEnv } from '../../../platform/components/oauth2-proxy/arguments.ts';
import { installGoModule } from './go-module.ts';
import { freePort, httpOk, serverTempDir, startProcess, waitForReady } from '../../support/processes.ts';
import { serverVersions } from './versions.ts';

export function installOauth2Proxy(): Promise<string> {
  return installGoModule({
    name: 'oauth2-proxy',
    moduleDir: join(import.meta.dirname, 'oauth2-proxy'),
    requires: serverVersions.oauth2Proxy,
    pkg: serverVersions.oauth2Proxy.module,
    binary: 'oauth2-proxy',
  });
}

export interface RunningOauth2Proxy {
  url: string;
  stop(): Promise<void>;
}

export interface Oauth2ProxyTestOptions {
  issuerUrl: string;
  /** Where oauth2-proxy itself reaches the realm (Keycloak's own address). @default issuerUrl */
  realmUrl?: string;
  upstream: string;
  clientSecret: string;
  /** @default a free port */
  port?: number;
  /** The origin browsers reach oauth2-proxy on (its callback's): a proxy in front of it. @default its own URL */
  publicUrl?: string;
}

export async function startOauth2Proxy(options: Oauth2ProxyTestOptions): Promise<RunningOauth2Proxy> {
  const binary = await installOauth2Proxy();
  const temp = await serverTempDir('oauth2-proxy');
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = oauth2ProxyArgs(app, {
    issuerUrl: options.issuerUrl,
    realmUrl: options.realmUrl,
    redirectUrl: `${options.publicUrl ?? url}/oauth2/callback`,
    upstream: options.upstream,
    httpAddress: `127.0.0.1:${port}`,
    cookieSecure: false, // plain HTTP on loopback only
  });
  const server = startProcess('oauth2-proxy', binary, args, {
    env: { [oauth2ProxySecretEnv.clientSecret]: options.clientSecret, [oauth2ProxySecretEnv.cookieSecret]: randomBytes(16).toString('hex') },
    logFile: join(temp.path, 'oauth2-proxy.log'),
  });
  try {
    await waitForReady(server, 'GET /ping', () => httpOk(`${url}/ping`), 30_000);
  } catch (error) {
    await temp.remove();
    throw error;
  }
  return {
    url,
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}

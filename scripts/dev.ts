#!/usr/bin/env node
// npm run dev [-- --port 8080] [--offline] [--data-dir .data] [--host 127.0.0.1]
// The whole app on this machine, from platform/app.ts, with no cluster and no accounts.
import { chalk } from 'zx';
import { join, resolve } from 'node:path';
import { app } from '../platform/app.ts';
import { startLocalRuntime } from '../platform/local/runtime.ts';
import { ensureSiteBuilt, siteDirectory } from '../platform/site.ts';
import { consoleLogger } from './lib/console-log.ts';
import { providers } from '../functions/lib/providers/index.ts';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

const repoRoot = join(import.meta.dirname, '..');

const dev = command({
  run: 'npm run dev --',
  description: 'The whole app on this machine, from platform/app.ts, with no cluster and no accounts.',
  options: {
    port: { type: 'string', value: 'port', default: process.env.PORT ?? '8080', check: portNumber, description: 'the one port of the site, the API and the admin routes; 0 picks a free one; PORT changes the default' },
    host: { type: 'string', value: 'address', default: '127.0.0.1', description: 'the address to listen on' },
    offline: { type: 'boolean', description: 'serve the bundled sample documents instead of the providers' },
    'data-dir': { type: 'string', value: 'dir', default: '.data', description: 'where the databases, objects, queues and dead letters live' },
    quiet: { type: 'boolean', description: 'log only warnings and errors' },
  },
  examples: ['npm run dev', 'npm run dev -- --offline --port 0'],
});

await runCommand(dev, async ({ values }) => {
  const port = Number(values.port);
  const dataDir = resolve(repoRoot, values['data-dir']);
  let offline = values.offline;
  if (!offline && !(await reachable(providers.aemet.defaultBaseUrl))) {
    console.log(chalk.yellow(`${providers.aemet.defaultBaseUrl} is unreachable: serving the bundled sample documents, labelled as sample data.`));
    offline = true;
  }
  const log = consoleLogger({}, values.quiet ? 'warn' : undefined);
  await ensureSiteBuilt(repoRoot, (reason) => console.log(`building the site: ${reason}…`));
  const host = values.host;
  const runtime = await startLocalRuntime({ app, port, host, dataDir, offline, siteDir: siteDirectory(repoRoot), log }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') fail(`port ${port} on ${host} is already in use (another npm run dev?)`, `npm run dev -- --port ${port + 1}`);
    if (error.code === 'EACCES') fail(`not allowed to listen on port ${port}`, 'npm run dev -- --port 8080');
    throw error;
  });
  console.log(
    [
      '',
      `${chalk.bold('knative-forecast')} running ${offline ? chalk.yellow('on sample data') : 'on live data'} (data in ${dataDir})`,
      `  site         ${runtime.url}/`,
      `  API          ${runtime.url}/api/forecasts`,
      `  admin reload npm run reload   (dev sign-in: ${runtime.url}/dev-issuer/login)`,
      '  Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      console.log('\nstopping…');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await runtime.stop();
});

function portNumber(text: string): string | undefined {
  const port = Number(text);
  return /^\d+$/.test(text) && port <= 65535 ? undefined : 'must be a port number, 0–65535';
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  }
}

#!/usr/bin/env node
// npm run dev [-- --port 8080] [--offline] [--data-dir .data] [--host 127.0.0.1]
// The whole app on this machine, from platform/app.ts, with no cluster and no accounts.
import { argv, chalk } from 'zx';
import { join, resolve } from 'node:path';
import { app } from '../platform/app.ts';
import { startLocalRuntime } from '../platform/local/runtime.ts';
import { ensureSiteBuilt, siteDirectory } from '../platform/site.ts';
import { consoleLogger } from './lib/console-log.ts';
import { providers } from '../functions/lib/providers/index.ts';
import { fail, runMain } from './lib/cli.ts';

const repoRoot = join(import.meta.dirname, '..');

await runMain(async () => {
  const port = Number(argv.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got ${String(argv.port)}`, 'npm run dev -- --port 8080');
  const dataDir = resolve(repoRoot, String(argv['data-dir'] ?? '.data'));
  let offline = Boolean(argv.offline);
  if (!offline && !(await reachable(providers.aemet.defaultBaseUrl))) {
    console.log(chalk.yellow(`${providers.aemet.defaultBaseUrl} is unreachable: serving the bundled sample documents, labelled as sample data.`));
    offline = true;
  }
  const log = consoleLogger({}, argv.quiet ? 'warn' : undefined);
  await ensureSiteBuilt(repoRoot, (reason) => console.log(`building the site: ${reason}…`));
  const host = String(argv.host ?? '127.0.0.1');
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

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  }
}

#!/usr/bin/env node
// npm run reload [-- --url http://127.0.0.1:8080] [--user admin|viewer] [--token <JWT>]
// Asks the running app to download every forecast now, as an admin, and waits for the result.
// Against `npm run dev` it signs in through the development issuer; against a cluster, pass an
// access token from Keycloak with --token (or FORECAST_TOKEN).
import { chalk } from 'zx';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

interface ReloadStatus {
  id: string;
  status: 'requested' | 'completed' | 'failed';
  result: { stored: { locationId: string }[]; unchanged: { locationId: string }[]; failed: { locationId: string; reason: string }[] } | null;
}

const reload = command({
  run: 'npm run reload --',
  description: 'Asks the running app to download every forecast now, as an admin, and waits for the result.',
  options: {
    url: { type: 'string', value: 'url', default: process.env.FORECAST_URL ?? 'http://127.0.0.1:8080', description: 'the running app; FORECAST_URL changes the default' },
    user: { type: 'string', choices: ['admin', 'viewer'], default: 'admin', description: "the development issuer's user to sign in as (npm run dev only)" },
    token: { type: 'string', value: 'JWT', description: 'an access token from Keycloak, for a cluster (default: FORECAST_TOKEN, else a development sign-in)' },
  },
  examples: ['npm run reload', 'FORECAST_TOKEN=… npm run reload -- --url http://forecast.192.168.49.2.sslip.io:30080'],
});

await runCommand(reload, async ({ values }) => {
  const base = values.url.replace(/\/$/, '');
  const token = values.token ?? process.env.FORECAST_TOKEN ?? (await devToken(base, values.user));
  const headers = { authorization: `Bearer ${token}` };

  const started = await call(base, '/admin/reload', { method: 'POST', headers });
  if (started.status !== 202) fail(`the reload was refused: ${started.status} ${await started.text()}`, started.status === 403 ? 'sign in as a user with the admin role (--user admin)' : undefined);
  const { id, statusUrl } = (await started.json()) as { id: string; statusUrl: string };
  console.log(`reload ${id} requested`);

  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await call(base, statusUrl, { headers });
    const status = (await response.json()) as ReloadStatus;
    if (status.status !== 'requested') return report(status);
    if (Date.now() > deadline) fail(`reload ${id} is still running after 2 minutes`, `check it later: curl -H "authorization: Bearer …" ${base}${statusUrl}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

function report(status: ReloadStatus): void {
  const r = status.result;
  const colour = status.status === 'completed' ? chalk.green : chalk.red;
  console.log(colour(`reload ${status.status}: ${r?.stored.length ?? 0} stored, ${r?.unchanged.length ?? 0} unchanged, ${r?.failed.length ?? 0} failed`));
  for (const f of r?.failed ?? []) console.log(`  ${f.locationId}: ${f.reason}`);
  if (status.status === 'failed') process.exitCode = 1;
}

async function devToken(base: string, user: 'admin' | 'viewer'): Promise<string> {
  const response = await call(base, '/dev-issuer/token', { method: 'POST', body: new URLSearchParams({ user }) });
  if (response.status === 404) fail(`${base} has no development issuer (it is not \`npm run dev\`)`, 'pass an access token: npm run reload -- --url <site> --token <JWT>');
  if (!response.ok) fail(`the development issuer answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function call(base: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    return fail(`nothing answers at ${base} (${(error as Error).message})`, 'start the app with `npm run dev`, or pass --url');
  }
}

#!/usr/bin/env node
// ADMIN_PASSWORD=… npm run smoke -- --url http://forecast.<node-ip>.sslip.io:30080  (or --password, which a shared log would show)
// Browses a deployed site the way a visitor and the admin do, in Chromium: the list shows every
// location, the API answers, the admin signs in through oauth2-proxy and Keycloak and presses
// Reload now, which must be accepted. The GitHub Actions workflow runs it after the bootstrap.
import { chromium } from 'playwright-core';
import type { ForecastListResponse } from '../functions/get-forecast/index.ts';
import { app } from '../platform/app.ts';
import { defaultLocations } from '../platform/locations.ts';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

const smoke = command({
  run: 'npm run smoke --',
  description: 'Browses a deployed site in Chromium as a visitor and as the admin, who signs in (password in ADMIN_PASSWORD) and presses Reload now.',
  options: {
    url: { type: 'string', value: 'url', required: true, description: 'the deployed site, e.g. http://forecast.192.168.49.2.sslip.io:30080' },
    password: { type: 'string', value: 'password', description: "the admin's password (default: ADMIN_PASSWORD; a shared log would show this option)" },
  },
  examples: ['ADMIN_PASSWORD=… npm run smoke -- --url http://forecast.192.168.49.2.sslip.io:30080'],
});

await runCommand(smoke, async ({ values }) => {
  const url = values.url.replace(/\/$/, '');
  const password = values.password ?? process.env.ADMIN_PASSWORD ?? '';
  if (!url || !password) fail('--url and the admin password (ADMIN_PASSWORD, or --password) are required', 'ADMIN_PASSWORD=… npm run smoke -- --url http://forecast.192.168.49.2.sslip.io:30080');
  const api = (await (await fetch(`${url}/api/forecasts`)).json()) as ForecastListResponse;
  console.log(`api: ${api.items.length} forecasts, ${api.pending.length} locations pending`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    for (const location of defaultLocations) await page.getByText(location.name).first().waitFor({ timeout: 60_000 });
    console.log(`site: all ${defaultLocations.length} locations shown`);
    await page.getByRole('link', { name: 'Admin sign-in' }).click();
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(password);
    await page.locator('#kc-login').click();
    await page.waitForURL((u) => u.href.startsWith(url), { timeout: 60_000 });
    const reload = page.waitForResponse((r) => r.url().endsWith('/admin/reload'));
    await page.getByTestId('reload').click();
    const response = await reload;
    if (response.status() !== 202) fail(`Reload now answered ${response.status()}, not 202`);
    console.log(`admin: signed in to realm ${app.auth.realm}, Reload now accepted (202)`);
  } finally {
    await browser.close();
  }
});

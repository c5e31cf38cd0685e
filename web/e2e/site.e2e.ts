// The site in a real browser against the real local app (`npm run dev -- --offline`): what a
// visitor sees, what they see when the API is slow, down or says the data is stale, the admin
// reload, and an accessibility check. Responses are rewritten with page.route only where the
// sample data cannot produce the case (stale, empty, failing, slow).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { ForecastListResponse, ForecastResponse } from '../src/api/types.ts';
import { localCalendarDate } from '../src/format/time.ts';
import { launchBrowser, viewports } from './browser.ts';
import { startDevServer, type DevServer } from './dev-server.ts';

const expectedLocations = ['Madrid', 'Barcelona', 'Sevilla', 'Valencia', 'Tres Cantos'];

let server: DevServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let axeSource: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startDevServer({ expectLocations: expectedLocations.length });
  browser = await launchBrowser();
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: viewports.desktop, locale: 'en-GB', timezoneId: 'Europe/Madrid' });
  page = await context.newPage();
  pageErrors.length = 0;
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterEach(async () => {
  await context.close();
  // An uncaught exception in the page is a bug even when the test's checks passed.
  expect(pageErrors).toEqual([]);
});

async function openList(): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.locator('.forecast-card').first().waitFor();
}

async function openLocation(id: string): Promise<void> {
  await page.goto(`${server.url}/location/${id}`);
  await page.locator('.day-card').first().waitFor();
}

/** Answers an API call with the real response, changed by `edit`. */
function rewriteJson<T>(edit: (body: T) => T): (route: Route) => Promise<void> {
  return async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: edit((await response.json()) as T) });
  };
}

/** An issue time `days` before another: a forecast the API would call stale, whatever the date today. */
function daysEarlier(iso: string, days: number): string {
  return new Date(Date.parse(iso) - days * 86_400_000).toISOString();
}

async function seriousAxeViolations(): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
    return axe.run(document);
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

describe('the list page', () => {
  it('shows every configured location with today’s forecast, units and the source', async () => {
    await openList();
    const names = await page.locator('.forecast-card .card-title').allTextContents();
    expect(names.map((n) => n.trim())).toEqual(expectedLocations);
    expect(server.locations.map((l) => l.name)).toEqual(expectedLocations);

    const madrid = page.locator('.forecast-card[data-location="28079"]');
    expect(await madrid.locator('.temp-max').textContent()).toMatch(/^\s*High -?\d+°C\s*$/);
    expect(await madrid.locator('.value-rain').textContent()).toMatch(/\d+%/);
    expect(await madrid.locator('.value-wind').textContent()).toMatch(/km\/h|Calm/);
    expect(await madrid.locator('svg.sky-icon').getAttribute('data-icon')).not.toBe('unknown');
    expect(await madrid.locator('.card-foot').textContent()).toMatch(/Issued .*ago|Issued now/);

    // Spanish names keep their accents (the page is UTF-8 end to end).
    expect(await page.locator('.forecast-card[data-location="46250"] .card-subtitle').textContent()).toBe('Valencia/València');
    expect(await page.locator('[data-testid="attribution"]').textContent()).toContain('AEMET');
    expect(await page.title()).toBe("Today's forecast · knative-forecast");
  });

  it('labels the offline data as sample data', async () => {
    await openList();
    expect(await page.locator('[data-testid="sample-banner"]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="sample-banner"]').textContent()).toContain('Sample data');
  });

  it('shows the stale badge only when the API says a forecast is stale', async () => {
    await openList();
    expect(await page.locator('[data-testid="stale-badge"]').count()).toBe(0);

    await page.route(
      '**/api/forecasts',
      rewriteJson<ForecastListResponse>((body) => ({
        ...body,
        items: body.items.map((item, i) => (i === 1 ? { ...item, stale: true, issuedAt: daysEarlier(item.issuedAt, 3) } : item)),
      })),
    );
    await page.reload();
    await page.locator('[data-testid="stale-badge"]').waitFor();
    expect(await page.locator('[data-testid="stale-badge"]').count()).toBe(1);
    const stale = page.locator('.forecast-card', { has: page.locator('[data-testid="stale-badge"]') });
    expect(await stale.getAttribute('data-location')).toBe('08019');
    expect(await stale.locator('[data-testid="stale-badge"]').textContent()).toContain('Stale');
    expect(await stale.locator('.card-foot').textContent()).toMatch(/Issued 3 days ago/);
  });

  it('says so when no forecast is stored yet, and lists the locations it is waiting for', async () => {
    await page.route(
      '**/api/forecasts',
      rewriteJson<ForecastListResponse>((body) => ({ ...body, sample: false, items: [], pending: body.items.map((i) => i.location) })),
    );
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="empty-state"]').waitFor();
    expect(await page.locator('[data-testid="empty-state"]').textContent()).toContain('No forecasts yet');
    expect(await page.locator('.pending-card').count()).toBe(expectedLocations.length);
    expect(await page.locator('[data-testid="sample-banner"]').count()).toBe(0);
  });

  it('shows a loading state while the API is slow, then the forecasts', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/forecasts', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/`);
    const status = page.locator('.loading [role="status"]');
    await status.waitFor();
    expect(await status.textContent()).toContain('Loading the forecasts');
    expect(await page.locator('[aria-busy="true"]').count()).toBe(1);
    // The page stays usable meanwhile: the header and its links are there.
    expect(await page.getByRole('link', { name: 'Admin sign-in' }).isVisible()).toBe(true);
    await page.getByText('Still loading the forecasts').waitFor({ timeout: 10_000 });
    release();
    await page.locator('.forecast-card').first().waitFor();
    expect(await page.locator('.loading').count()).toBe(0);
  });

  it('explains a failed API call and recovers with the retry button', async () => {
    await page.route('**/api/forecasts', (route) => route.abort('connectionrefused'));
    await page.goto(`${server.url}/`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The forecasts could not be loaded');
    expect(await alert.textContent()).toContain('could not be reached');

    await page.unroute('**/api/forecasts');
    await page.route('**/api/forecasts', (route) => route.fulfill({ status: 500, json: { error: 'the latest store is unavailable' } }));
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('the latest store is unavailable').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('(500)');

    await page.unroute('**/api/forecasts');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.forecast-card').first().waitFor();
    expect(await page.locator('.forecast-card').count()).toBe(expectedLocations.length);
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('has no serious or critical accessibility violations', async () => {
    await openList();
    expect(await seriousAxeViolations()).toEqual([]);
  });
});

describe('the location page', () => {
  it('shows seven days, with period detail for the days AEMET gives it', async () => {
    await openLocation('28079');
    expect(await page.locator('h1').textContent()).toBe('Madrid');
    const days = page.locator('.day-card');
    expect(await days.count()).toBe(7);
    const dates = await days.evaluateAll((els) => els.map((el) => el.getAttribute('data-date')));
    expect(new Set(dates).size).toBe(7);

    const periodGroups = await days.evaluateAll((els) => els.map((el) => el.querySelectorAll('.period-strip').length));
    expect(periodGroups).toEqual([2, 2, 1, 1, 0, 0, 0]);
    // Periods already over carry no values: shown as past, never as zero.
    const firstDayPast = days.nth(0).locator('.period-past');
    expect(await firstDayPast.count()).toBeGreaterThan(0);
    expect(await firstDayPast.first().textContent()).toContain('Past');
    expect(await firstDayPast.first().textContent()).not.toContain('0%');

    const stored = (await (await fetch(`${server.url}/api/forecasts/28079`)).json()) as ForecastResponse;
    const issuedYear = localCalendarDate(new Date(stored.issuedAt), 'Europe/Madrid').slice(0, 4);
    expect(await page.locator('.issued').textContent()).toMatch(new RegExp(`Issued:.*${issuedYear}.*Fetched:`, 's'));
    expect(await page.locator('[data-testid="sample-banner"]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="attribution"]').textContent()).toContain('AEMET');
    expect(await page.title()).toBe('Madrid · 7-day forecast · knative-forecast');
  });

  it('is reached from the list by keyboard, and leads back to it', async () => {
    await openList();
    await page.locator('.card-link').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('.day-card').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/location/28079');
    // Focus moves to the new page's heading, so keyboard and screen-reader users start there.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');

    await page.getByRole('link', { name: '← All locations' }).click();
    await page.locator('.forecast-card').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.goBack();
    await page.locator('.day-card').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('Madrid');
  });

  it('shows the stale badge when the API says the forecast is stale', async () => {
    await openLocation('08019');
    expect(await page.locator('[data-testid="stale-badge"]').count()).toBe(0);
    await page.route(
      '**/api/forecasts/08019',
      rewriteJson<ForecastResponse>((body) => ({ ...body, stale: true, issuedAt: daysEarlier(body.issuedAt, 3) })),
    );
    await page.reload();
    await page.locator('[data-testid="stale-badge"]').waitFor();
    expect(await page.locator('.location-head [data-testid="stale-badge"]').count()).toBe(1);
  });

  it('says when a location has no forecast, and recovers from a failed call', async () => {
    await page.goto(`${server.url}/location/99999`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('No forecast for this location');
    expect(await page.getByRole('alert').textContent()).toContain('no location with id 99999');

    await page.route('**/api/forecasts/41091', (route) => route.fulfill({ status: 503, body: 'upstream connect error' }));
    await page.goto(`${server.url}/location/41091`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The server had a problem (HTTP 503)');
    await page.unroute('**/api/forecasts/41091');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.day-card').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('Sevilla');
  });

  it('answers an unknown address with a page, not a blank screen', async () => {
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'See all locations' }).click();
    await page.locator('.forecast-card').first().waitFor();
  });

  it('has no serious or critical accessibility violations', async () => {
    await openLocation('28079');
    expect(await seriousAxeViolations()).toEqual([]);
  });
});

describe('at phone width', () => {
  it('fits the screen without sideways scrolling', async () => {
    await page.setViewportSize(viewports.phone);
    for (const open of [openList, () => openLocation('28079')]) {
      await open();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }
  });
});

describe('admin reload', () => {
  async function signInAs(button: RegExp, from: string): Promise<void> {
    await page.goto(`${server.url}${from}`);
    await page.getByRole('link', { name: 'Admin sign-in' }).click();
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL((url) => url.pathname === from);
  }

  it('lets an admin sign in, reload now and see the result', async () => {
    await signInAs(/Sign in as admin/, '/location/28079');
    const reload = page.getByRole('button', { name: 'Reload now' });
    await reload.waitFor();
    // The token went from the address bar into the session; it is not left in the URL.
    expect(page.url()).not.toContain('access_token');
    expect(page.url()).toBe(`${server.url}/location/28079`);
    expect(await page.getByTestId('admin').textContent()).toContain('admin');

    await reload.click();
    const status = page.getByTestId('reload-status');
    await page.getByText(/Reload finished/).waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toMatch(/Reload finished: \d+ new forecasts? stored, \d+ unchanged\./);
    expect(await status.getAttribute('role')).toBe('status');

    // Two reloads a minute per admin: the third is refused, and the page says why.
    await reload.click();
    await page.getByText(/Reload finished/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Reload now' }).click();
    await page.getByText(/Too many reloads/).waitFor();
    expect(await status.textContent()).toContain('Try again in 60 seconds');

    expect(await seriousAxeViolations()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Admin sign-in' }).waitFor();
    expect(await page.getByRole('button', { name: 'Reload now' }).count()).toBe(0);
  });

  it('does not offer the reload to a viewer', async () => {
    await signInAs(/Sign in as viewer/, '/');
    await page.getByText(/without the admin role/).waitFor();
    expect(await page.getByTestId('admin').textContent()).toContain('viewer');
    expect(await page.getByRole('button', { name: 'Reload now' }).count()).toBe(0);
  });

  it('behind the cluster proxy, signs in through it and sends its cookie, never a bearer token', async () => {
    // The cluster's runtime writes this config; oauth2-proxy answers /admin/whoami.
    await page.route('**/config.json', (route) =>
      route.fulfill({ json: { auth: { mode: 'proxy-cookie', signInUrl: '/oauth2/start', signOutUrl: '/oauth2/sign_out' } } }),
    );
    let session: 'none' | 'viewer' | 'admin' = 'none';
    const whoamiHeaders: Record<string, string>[] = [];
    await page.route('**/admin/whoami', async (route) => {
      whoamiHeaders.push(await route.request().allHeaders());
      if (session === 'none') return route.fulfill({ status: 302, headers: { location: '/oauth2/start?rd=%2Fadmin%2Fwhoami' } });
      if (session === 'viewer') return route.fulfill({ status: 403, body: 'Forbidden' });
      return route.fulfill({ json: { subject: 'f3a1', username: 'ana', roles: ['forecast-admin'], admin: true } });
    });

    await page.goto(`${server.url}/location/28079`);
    const signIn = page.getByRole('link', { name: 'Admin sign-in' });
    await signIn.waitFor();
    expect(await signIn.getAttribute('href')).toBe('/oauth2/start?rd=%2Flocation%2F28079');

    session = 'viewer';
    await page.reload();
    await page.getByText(/without the admin role/).waitFor();
    expect(await page.getByRole('button', { name: 'Reload now' }).count()).toBe(0);

    session = 'admin';
    await context.addCookies([{ name: '_oauth2_proxy', value: 'session-cookie', url: server.url }]);
    await page.reload();
    await page.getByRole('button', { name: 'Reload now' }).waitFor();
    const sent = whoamiHeaders.at(-1) ?? {};
    expect(sent.authorization).toBeUndefined();
    expect(sent.cookie).toContain('_oauth2_proxy=session-cookie');
    expect(await page.getByRole('link', { name: 'Sign out' }).getAttribute('href')).toBe('/oauth2/sign_out?rd=%2Flocation%2F28079');
  });

  it('treats a token the API no longer accepts as signed out', async () => {
    await page.goto(`${server.url}/#access_token=not-a-jwt&token_type=Bearer&expires_in=3600`);
    await page.getByText('Your admin session has ended; sign in again.').waitFor();
    expect(await page.getByRole('link', { name: 'Admin sign-in' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

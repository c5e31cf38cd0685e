// npm run screenshots: the list and a location page at desktop and phone widths, from the real
// `npm run dev -- --offline`, written to docs/screenshots/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, viewports } from './browser.ts';
import { startDevServer } from './dev-server.ts';

const outDir = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

const server = await startDevServer();
const browser = await launchBrowser();
try {
  await mkdir(outDir, { recursive: true });
  for (const [name, viewport] of Object.entries(viewports)) {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Madrid', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('.forecast-card').first().waitFor();
    await page.screenshot({ path: join(outDir, `list-${name}.png`), fullPage: true });
    await page.goto(`${server.url}/location/28079`);
    await page.locator('.day-card').first().waitFor();
    await page.screenshot({ path: join(outDir, `location-${name}.png`), fullPage: true });
    await context.close();
    console.log(`docs/screenshots/list-${name}.png, location-${name}.png`);
  }
} finally {
  await browser.close();
  await server.stop();
}

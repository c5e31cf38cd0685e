// The project's sample documents and helpers to load them in tests.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Forecast, Location } from '../../functions/lib/forecast/model.ts';
import { providers } from '../../functions/lib/providers/index.ts';
import { defaultLocations } from '../../platform/locations.ts';
import { fixturesDir } from '../../platform/local/sample-provider.ts';

export const locations = defaultLocations;
export const madrid = defaultLocations[0] as Location;

export async function sampleDocument(provider: 'aemet' | 'open-meteo', locationId: string): Promise<Uint8Array> {
  const file = provider === 'aemet' ? `aemet-${locationId}.xml` : `open-meteo-${locationId}.json`;
  return new Uint8Array(await readFile(join(fixturesDir, file)));
}

/** A parsed sample forecast, optionally re-issued at another time. */
export async function sampleForecast(location: Location = madrid, overrides: Partial<Pick<Forecast, 'issuedAt' | 'sample'>> = {}): Promise<Forecast> {
  const bytes = await sampleDocument('aemet', location.id);
  const forecast = providers.aemet.parse(bytes, { location, fetchedAt: new Date('2026-03-10T06:00:00Z'), sample: false });
  return { ...forecast, ...overrides };
}

export async function tempDir(prefix = 'forecast-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

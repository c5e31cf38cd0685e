#!/usr/bin/env node
// npm run parse -- <file> [--location <id>]
// Prints the normalized forecast JSON of a local AEMET XML or Open-Meteo JSON document, exactly
// as parse-forecast would store it. Exit 1 with the reason when the file is not a forecast.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { RejectedInputError } from '../functions/lib/errors.ts';
import type { Location } from '../functions/lib/forecast/model.ts';
import { decodeXml } from '../functions/lib/providers/xml-decoding.ts';
import { providers } from '../functions/lib/providers/index.ts';
import { defaultLocations } from '../platform/locations.ts';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

const parse = command({
  run: 'npm run parse --',
  description: 'Prints the normalized forecast JSON of a local AEMET XML or Open-Meteo JSON document, as parse-forecast would store it.',
  arguments: [{ name: 'file', description: 'an AEMET XML or Open-Meteo JSON document, e.g. platform/local/fixtures/aemet-28079.xml' }],
  options: {
    location: { type: 'string', value: 'id', choices: defaultLocations.map((l) => l.id), description: 'the configured location the document is for; without it, the AEMET document\'s own id, or the location nearest its coordinates' },
  },
  examples: ['npm run parse -- platform/local/fixtures/aemet-28079.xml'],
});

await runCommand(parse, async ({ values, arguments: { file } }) => {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => fail(`cannot read ${file}: ${error.code ?? error.message}`));
  const providerId = extname(file).toLowerCase() === '.json' ? 'open-meteo' : 'aemet';
  const location = pickLocation(providerId, bytes, values.location);
  try {
    const forecast = providers[providerId].parse(new Uint8Array(bytes), { location, fetchedAt: new Date(), sample: false });
    console.log(JSON.stringify(forecast, null, 2));
  } catch (error) {
    if (error instanceof RejectedInputError) fail(`${file}: ${error.message}`);
    throw error;
  }
});

/** The configured location the document is for: by --location, the AEMET root id, or coordinates. */
function pickLocation(provider: 'aemet' | 'open-meteo', bytes: Buffer, requested: string | undefined): Location {
  const byId = (id: string) => defaultLocations.find((l) => l.id === id);
  if (requested) return byId(requested) ?? fail(`--location ${requested} is not a configured location (${defaultLocations.map((l) => l.id).join(', ')})`);
  if (provider === 'aemet') {
    let id: string | undefined;
    try {
      id = /<root\b[^>]*\sid="([a-z0-9-]+)"/.exec(decodeXml(new Uint8Array(bytes)))?.[1];
    } catch {
      id = undefined; // the parser reports the decoding problem with the location attached
    }
    return byId(id ?? '') ?? { id: id ?? 'unknown', name: '', province: '', provider, latitude: 0, longitude: 0, timezone: 'Europe/Madrid' };
  }
  let coordinates: { latitude?: number; longitude?: number } = {};
  try {
    coordinates = JSON.parse(bytes.toString('utf8')) as typeof coordinates;
  } catch {
    coordinates = {};
  }
  const near = defaultLocations.find((l) => Math.abs(l.latitude - (coordinates.latitude ?? NaN)) < 0.1 && Math.abs(l.longitude - (coordinates.longitude ?? NaN)) < 0.1);
  return near ?? { id: 'custom', name: 'Custom location', province: '', provider, latitude: coordinates.latitude ?? 0, longitude: coordinates.longitude ?? 0, timezone: 'UTC' };
}

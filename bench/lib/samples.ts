// The benchmarks' data: the bundled AEMET sample documents re-issued at the current hour
// (as `npm run dev -- --offline` serves them), and as many locations as a benchmark asks for,
// made from the five samples under new ids so every one is a real, distinct document.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Forecast, Location } from '../../functions/lib/forecast/model.ts';
import { parseAemetXml } from '../../functions/lib/providers/aemet.ts';
import { defaultLocations } from '../../platform/locations.ts';
import { fixturesDir, reissueSample, sampleIssue } from '../../platform/local/sample-provider.ts';

export interface SampleLocation {
  location: Location;
  /** The AEMET document of this location (its `<root id>` is the location's id), ISO-8859-15. */
  xml: Uint8Array;
}

/**
 * `count` locations: the five defaults first, then copies of them with ids like `28079-x0005`.
 * Each copy's document is its original with the root id changed, a byte-level edit that
 * keeps the encoding.
 */
export async function sampleLocations(count: number, now = new Date()): Promise<SampleLocation[]> {
  const issue = sampleIssue(now);
  const originals = await Promise.all(
    defaultLocations.map(async (location) => ({ location, xml: reissueSample(new Uint8Array(await readFile(join(fixturesDir, `aemet-${location.id}.xml`))), issue) })),
  );
  return Array.from({ length: count }, (_, i) => {
    const original = originals[i % originals.length] as SampleLocation;
    if (i < originals.length) return original;
    const id = `${original.location.id}-x${String(i).padStart(4, '0')}`;
    return { location: { ...original.location, id, name: `${original.location.name} ${i}` }, xml: withRootId(original.xml, original.location.id, id) };
  });
}

/** The document with another `<root id>`. */
export function withRootId(xml: Uint8Array, from: string, to: string): Uint8Array {
  const text = Buffer.from(xml).toString('latin1');
  const replaced = text.replace(`<root id="${from}"`, `<root id="${to}"`);
  if (replaced === text) throw new Error(`no <root id="${from}"> in the sample document`);
  return Buffer.from(replaced, 'latin1');
}

/** The document issued at another local time (`<elaborado>`, Madrid wall clock, YYYY-MM-DDTHH:mm:ss). */
export function withIssuedTime(xml: Uint8Array, localTime: string): Uint8Array {
  const text = Buffer.from(xml).toString('latin1');
  return Buffer.from(text.replace(/<elaborado>[^<]*<\/elaborado>/, `<elaborado>${localTime}</elaborado>`), 'latin1');
}

export function parseSample(sample: SampleLocation, fetchedAt = new Date()): Forecast {
  return parseAemetXml(sample.xml, { location: sample.location, fetchedAt, sample: true });
}

// bench:parse — one AEMET document normalized end to end (decode, DTD refusal, validation,
// parse, mapping, schema check) against fast-xml-parser's raw parse of the same bytes, which
// is the floor: no normalizer can be faster than reading the XML once.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parseAemetXml } from '../functions/lib/providers/aemet.ts';
import { defaultLocations } from '../platform/locations.ts';
import { fixturesDir } from '../platform/local/sample-provider.ts';
import type { Benchmark } from './lib/report.ts';
import { alternateBatches, median } from './lib/stats.ts';

const batches = 30;
const iterations = 200;

export const parseBenchmark: Benchmark = {
  name: 'parse',
  title: 'AEMET document: normalize end to end vs raw XML parse',
  async run() {
    const location = defaultLocations[0];
    if (!location) throw new Error('no default location to parse');
    const bytes = new Uint8Array(await readFile(join(fixturesDir, `aemet-${location.id}.xml`)));
    const buffer = Buffer.from(bytes);
    const context = { location, fetchedAt: new Date('2026-03-10T06:00:00Z'), sample: true };
    const rawParser = new XMLParser();
    const normalize = () => parseAemetXml(bytes, context);
    const rawParse = () => rawParser.parse(buffer) as unknown;

    // Warm both paths up so the JIT has compiled them before any batch counts.
    alternateBatches(normalize, rawParse, { batches: 5, iterations });
    const timed = alternateBatches(normalize, rawParse, { batches, iterations });
    const normalizeMs = median(timed.a);
    const rawMs = median(timed.b);
    return {
      figures: [
        { name: 'time per document', unit: 'ms', measured: normalizeMs, baselineName: 'fast-xml-parser raw parse', baseline: rawMs, target: { op: '≤', value: 1.5, on: 'ratio' } },
        { name: 'documents/s', unit: 'docs/s', measured: 1000 / normalizeMs, baselineName: 'fast-xml-parser raw parse', baseline: 1000 / rawMs },
      ],
      notes: [
        `document: platform/local/fixtures/aemet-${location.id}.xml, ${bytes.byteLength} bytes, ISO-8859-15`,
        `${batches} alternating batches of ${iterations} documents each side after a warm-up; figures are the median batch`,
        'raw parse: new XMLParser() with default options on the same Buffer (no decoding, no validation, no mapping)',
      ],
    };
  },
};

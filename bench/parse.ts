// bench:parse — AEMET documents normalized end to end (decode, the single-pass XML read that
// checks well-formedness and refuses DTDs, mapping, schema check) against fast-xml-parser's raw
// parse of the same bytes, measured side by side in the same run. Two inputs: the generated
// sample `npm run dev -- --offline` serves (scripts/make-fixtures.ts), and a real document AEMET
// published, kept outside the repository in ../shared/fixtures/aemet; when that folder is not
// there the second input is skipped and the notes say so.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { Location } from '../functions/lib/forecast/model.ts';
import { parseAemetXml } from '../functions/lib/providers/aemet.ts';
import { defaultLocations } from '../platform/locations.ts';
import { fixturesDir } from '../platform/local/sample-provider.ts';
import type { Benchmark, Figure } from './lib/report.ts';
import { alternateBatches, median } from './lib/stats.ts';

const batches = 30;
const iterations = 200;
const repoRoot = join(import.meta.dirname, '..');
const realDocument = join(repoRoot, '..', 'shared', 'fixtures', 'aemet', 'localidad_28903.xml');
const realDocumentLocation = '28903';

interface Input {
  /** Appended to each figure's name, e.g. "generated sample". */
  label: string;
  file: string;
  location: Location;
}

/** Time one document both ways; returns the figures and a note naming the document. */
async function measure(input: Input): Promise<{ figures: Figure[]; note: string }> {
  const bytes = new Uint8Array(await readFile(input.file));
  const buffer = Buffer.from(bytes);
  const context = { location: input.location, fetchedAt: new Date('2026-03-10T06:00:00Z'), sample: true };
  const rawParser = new XMLParser();
  const normalize = () => parseAemetXml(bytes, context);
  const rawParse = () => rawParser.parse(buffer) as unknown;

  // Warm both paths up so the JIT has compiled them before any batch counts.
  alternateBatches(normalize, rawParse, { batches: 5, iterations });
  const timed = alternateBatches(normalize, rawParse, { batches, iterations });
  const normalizeMs = median(timed.a);
  const rawMs = median(timed.b);
  const baselineName = 'fast-xml-parser raw parse';
  return {
    figures: [
      { name: `time per document, ${input.label}`, unit: 'ms', measured: normalizeMs, baselineName, baseline: rawMs, target: { op: '≤', value: 1.5, on: 'ratio' } },
      { name: `documents/s, ${input.label}`, unit: 'docs/s', measured: 1000 / normalizeMs, baselineName, baseline: 1000 / rawMs },
    ],
    note: `${input.label}: ${relative(repoRoot, input.file)}, ${bytes.byteLength} bytes, ISO-8859-15`,
  };
}

function location(id: string): Location {
  const found = defaultLocations.find((l) => l.id === id);
  if (!found) throw new Error(`no default location ${id} to parse`);
  return found;
}

export const parseBenchmark: Benchmark = {
  name: 'parse',
  title: 'AEMET documents: normalize end to end vs raw XML parse',
  async run() {
    const sampleLocation = defaultLocations[0];
    if (!sampleLocation) throw new Error('no default location to parse');
    const inputs: Input[] = [{ label: 'generated sample', file: join(fixturesDir, `aemet-${sampleLocation.id}.xml`), location: sampleLocation }];
    const skipped: string[] = [];
    if (existsSync(realDocument)) inputs.push({ label: 'real AEMET document', file: realDocument, location: location(realDocumentLocation) });
    else skipped.push(`real AEMET document: SKIPPED, ${relative(repoRoot, realDocument)} is not there (it is kept outside the repository)`);

    const figures: Figure[] = [];
    const documentNotes: string[] = [];
    for (const input of inputs) {
      const { figures: measured, note } = await measure(input);
      figures.push(...measured);
      documentNotes.push(note);
    }
    return {
      figures,
      notes: [
        ...documentNotes,
        ...skipped,
        'generated sample: written by scripts/make-fixtures.ts in AEMET’s element layout from a seeded generator (what `npm run dev -- --offline` serves); the real document is a file AEMET published',
        `${batches} alternating batches of ${iterations} documents each side per document, after a warm-up; figures are the median batch`,
        'raw parse: new XMLParser() with default options on the same Buffer (no decoding, no validation, no attributes, no mapping)',
      ],
    };
  },
};

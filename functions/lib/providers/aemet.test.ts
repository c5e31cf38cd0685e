// AEMET's municipal XML: the bundled sample documents, small documents written here to pin one
// rule each, and every way a document can be refused. The reference check reads a real AEMET
// file kept outside the repository and is skipped, by name, when that file is not there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentRejectedError } from '../errors.ts';
import type { Forecast, Location } from '../forecast/model.ts';
import { defaultLocations } from '../../../platform/locations.ts';
import { fixturesDir } from '../../../platform/local/sample-provider.ts';
import { aemet, parseAemetXml } from './aemet.ts';
import { maxDocumentBytes } from './provider.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const referenceFile = join(repoRoot, '..', 'shared', 'fixtures', 'aemet', 'localidad_28903.xml');
const madrid = location('28079');
const fetchedAt = new Date('2026-03-10T06:00:00Z');

function location(id: string): Location {
  const found = defaultLocations.find((l) => l.id === id);
  if (!found) throw new Error(`no default location ${id}`);
  return found;
}

function parse(bytes: Uint8Array, at: Location = madrid): Forecast {
  return parseAemetXml(bytes, { location: at, fetchedAt, sample: false });
}

/** Text → ISO-8859-15 bytes. Only ASCII, Latin-1 letters and € are used by these tests. */
function iso885915(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/€/g, '\u00a4'), 'latin1'));
}

interface MiniDocument {
  id?: string;
  elaborado?: string;
  nombre?: string;
  sky?: string;
  skyDescription?: string;
  maxima?: string;
  declaration?: string;
}

/** A one-day document in AEMET's format: enough to pin one rule at a time. */
function miniDocument(d: MiniDocument = {}): string {
  return `${d.declaration ?? '<?xml version="1.0" encoding="ISO-8859-15"?>'}
<root id="${d.id ?? '28079'}" version="1.0">
  <origen><copyright>© AEMET</copyright></origen>
  <elaborado>${d.elaborado ?? '2026-07-01T10:00:00'}</elaborado>
  <nombre>${d.nombre ?? 'Madrid'}</nombre>
  <provincia>Madrid</provincia>
  <prediccion>
    <dia fecha="2026-07-01">
      <prob_precipitacion periodo="00-24"/>
      <prob_precipitacion periodo="12-24">10</prob_precipitacion>
      <estado_cielo periodo="00-24" descripcion=""></estado_cielo>
      <estado_cielo periodo="12-24" descripcion="${d.skyDescription ?? 'Poco nuboso'}">${d.sky ?? '12n'}</estado_cielo>
      <viento periodo="12-24"><direccion>O</direccion><velocidad>15</velocidad></viento>
      <racha_max periodo="00-24"></racha_max>
      <racha_max periodo="12-24">40</racha_max>
      <temperatura><maxima>${d.maxima ?? '31'}</maxima><minima>19</minima></temperatura>
      <humedad_relativa><maxima>60</maxima><minima>25</minima></humedad_relativa>
      <uv_max>9</uv_max>
    </dia>
  </prediccion>
</root>
`;
}

function rejection(action: () => unknown): DocumentRejectedError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentRejectedError);
    return error as DocumentRejectedError;
  }
  throw new Error('the document was accepted');
}

describe('the bundled sample documents', () => {
  it.each(defaultLocations.map((l) => [l.id, l] as const))('aemet-%s.xml parses to seven days with 6/6/2/2/0/0/0 periods', (id, at) => {
    const forecast = parse(new Uint8Array(readFileSync(join(fixturesDir, `aemet-${id}.xml`))), at);
    expect(forecast.location.id).toBe(id);
    expect(forecast.provider).toBe('aemet');
    expect(forecast.days).toHaveLength(7);
    expect(forecast.days.map((d) => d.periods.length)).toEqual([6, 6, 2, 2, 0, 0, 0]);
    // Sub-day periods come finest first: the four 6-hour ones, then the two halves.
    expect(forecast.days[0]?.periods.map((p) => `${p.from}-${p.to}`)).toEqual(['0-6', '6-12', '12-18', '18-24', '0-12', '12-24']);
    // <elaborado>2026-03-10T05:40:00</elaborado> is Madrid winter time, UTC+1.
    expect(forecast.issuedAt).toBe('2026-03-10T04:40:00.000Z');
    expect(forecast.fetchedAt).toBe(fetchedAt.toISOString());
  });

  it('keeps the elements of past periods as null, not 0', () => {
    const forecast = parse(new Uint8Array(readFileSync(join(fixturesDir, 'aemet-28079.xml'))));
    const early = forecast.days[0]?.periods.find((p) => p.from === 0 && p.to === 6);
    expect(early).toEqual({ from: 0, to: 6, precipitationProbability: null, sky: null, wind: null, gustKmh: null });
  });

  it('decodes the accents of the ISO-8859-15 sample', () => {
    const forecast = parse(new Uint8Array(readFileSync(join(fixturesDir, 'aemet-46250.xml'))), location('46250'));
    expect(forecast.location.province).toBe('Valencia/València');
    expect(forecast.attribution).toMatch(/^© AEMET/);
  });
});

describe('one rule per small document', () => {
  it('converts a summer <elaborado> from Madrid time (UTC+2)', () => {
    expect(parse(iso885915(miniDocument({ elaborado: '2026-07-01T10:00:00' }))).issuedAt).toBe('2026-07-01T08:00:00.000Z');
  });

  it('reads the night suffix: 12n is code 12 at night', () => {
    const period = parse(iso885915(miniDocument({ sky: '12n' }))).days[0]?.periods[0];
    expect(period?.sky).toEqual({ code: '12', night: true, description: 'Poco nuboso' });
    expect(parse(iso885915(miniDocument({ sky: '12' }))).days[0]?.periods[0]?.sky?.night).toBe(false);
  });

  it('keeps empty whole-day elements null and fills the period that has values', () => {
    const day = parse(iso885915(miniDocument())).days[0];
    expect(day?.summary).toEqual({ precipitationProbability: null, sky: null, wind: null, gustKmh: null });
    expect(day?.periods).toEqual([
      { from: 12, to: 24, precipitationProbability: 10, sky: { code: '12', night: true, description: 'Poco nuboso' }, wind: { direction: 'O', speedKmh: 15 }, gustKmh: 40 },
    ]);
    expect(day?.temperature).toEqual({ min: 19, max: 31 });
  });

  it('decodes 0xA4 as € (ISO-8859-15), not ¤ (Latin-1)', () => {
    const bytes = iso885915(miniDocument({ skyDescription: 'Cielo de 5 €', nombre: 'Alcalá de Henares' }));
    expect(bytes).toContain(0xa4);
    const forecast = parse(bytes);
    expect(forecast.days[0]?.periods[0]?.sky?.description).toBe('Cielo de 5 €');
    expect(forecast.location.name).toBe('Alcalá de Henares');
  });

  it('lets a UTF-8 byte-order mark win over the declared encoding', () => {
    const text = miniDocument({ skyDescription: 'Niebla €' });
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(text, 'utf8')]);
    expect(parse(bytes).days[0]?.periods[0]?.sky?.description).toBe('Niebla €');
  });

  it('reads a UTF-16LE document with its byte-order mark', () => {
    const text = miniDocument({ declaration: '<?xml version="1.0" encoding="UTF-16"?>', nombre: 'Móstoles' });
    const bytes = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    expect(parse(bytes).location.name).toBe('Móstoles');
  });

  it('names the provider document URL after the location', () => {
    expect(aemet.documentUrl(madrid, 'https://www.aemet.es')).toBe('https://www.aemet.es/xml/municipios/localidad_28079.xml');
  });
});

describe('documents that are refused, naming the location and the reason', () => {
  const sample = new Uint8Array(readFileSync(join(fixturesDir, 'aemet-28079.xml')));
  const truncated = sample.subarray(0, sample.byteLength - 40);
  const truncatedLines = Buffer.from(truncated).toString('latin1').split('\n').length;
  const refusals: [string, () => Uint8Array, RegExp][] = [
    ['an empty document', () => new Uint8Array(0), /is empty/],
    ['a document over 1 MiB', () => new Uint8Array(maxDocumentBytes + 1).fill(0x20), /over the 1048576-byte limit/],
    ['malformed XML', () => iso885915('<?xml version="1.0"?><root id="28079"><nombre>x</root>'), /malformed XML at line 1: <\/root> does not close <nombre>/],
    // <nombre> is on the fifth line of the small document.
    ['a misnested element, naming its line', () => iso885915(miniDocument({ nombre: 'Ma<b>drid' })), /malformed XML at line 5: <\/nombre> does not close <b> \(opened at line 5\)/],
    ['an entity XML does not predefine', () => iso885915(miniDocument({ nombre: 'Alcal&aacute;' })), /malformed XML at line 5: &aacute; is not one of XML's predefined entities/],
    ['a truncated document', () => truncated, new RegExp(`malformed XML at line ${truncatedLines}: the document ends inside`)],
    ['UTF-8 declared with ISO-8859-15 bytes', () => iso885915(miniDocument({ declaration: '<?xml version="1.0" encoding="UTF-8"?>', nombre: 'Alcalá' })), /not valid utf-8/],
    ['an unsupported encoding label', () => iso885915(miniDocument({ declaration: '<?xml version="1.0" encoding="x-unknown-9"?>' })), /unsupported encoding "x-unknown-9"/],
    [
      'entity expansion (billion laughs)',
      () =>
        iso885915(
          '<?xml version="1.0"?><!DOCTYPE root [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><root id="28079"><nombre>&lol2;</nombre></root>',
        ),
      /DTDs and entity declarations are not accepted/,
    ],
    [
      'an external entity',
      () => iso885915('<?xml version="1.0"?><!DOCTYPE root [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><root id="28079"><nombre>&xxe;</nombre></root>'),
      /DTDs and entity declarations are not accepted/,
    ],
    ['a valid XML document that is not a forecast', () => iso885915('<?xml version="1.0"?><html><body>hola</body></html>'), /root element is not <root>/],
    ['a <root> without days', () => iso885915('<?xml version="1.0"?><root id="28079"><nombre>Madrid</nombre></root>'), /no <prediccion>/],
    ['the document of another location', () => iso885915(miniDocument({ id: '08019' })), /forecast of location 08019/],
    ['a non-numeric temperature', () => iso885915(miniDocument({ maxima: 'caluroso' })), /temperatura\/maxima is "caluroso", not a number/],
    ['an <elaborado> that is not a time', () => iso885915(miniDocument({ elaborado: 'ayer' })), /<elaborado> is "ayer"/],
    ['a sky code that is not one', () => iso885915(miniDocument({ sky: 'sol' })), /estado_cielo "sol" is not a sky code/],
  ];

  it.each(refusals)('refuses %s', (_what, bytes, reason) => {
    const error = rejection(() => parse(bytes()));
    expect(error.message).toMatch(/^document for location 28079 is not a forecast: /);
    expect(error.message).toMatch(reason);
    expect(error.status).toBe(422);
    expect(error.details).toMatchObject({ locationId: '28079' });
  });
});

describe('a real AEMET document', () => {
  const exists = existsSync(referenceFile);
  it.skipIf(!exists)('parses localidad_28903.xml from ../shared (needs ../shared/fixtures/aemet)', () => {
    const forecast = parse(new Uint8Array(readFileSync(referenceFile)), location('28903'));
    expect(forecast.days).toHaveLength(7);
    expect(forecast.issuedAt).toBe('2022-05-23T10:46:29.000Z');
    expect(forecast.location.name).toBe('Tres Cantos');
    expect(forecast.days.map((d) => d.periods.length)).toEqual([6, 6, 2, 2, 0, 0, 0]);
  });
});

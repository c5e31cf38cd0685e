// AEMET's keyless municipal forecast (`/xml/municipios/localidad_<id>.xml`): ISO-8859-15 XML,
// seven days; the first two split into 00-24, 00-12, 12-24 and four 6-hour periods, the next
// two into 00-24, 00-12, 12-24, the last three carry one value per element and no period.
// Elements of periods already past are present but empty. Sky codes may end in "n" (night).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DocumentRejectedError } from '../errors.ts';
import { ForecastSchema, type Day, type Forecast, type Period, type Sky } from '../forecast/model.ts';
import { aemetSkyDescriptions } from '../forecast/sky.ts';
import { localTimeToUtc } from '../forecast/time.ts';
import { maxDocumentBytes, type ForecastProvider, type ParseContext } from './provider.ts';
import { XmlDecodingError, decodeXml } from './xml-decoding.ts';

const aemetTimezone = 'Europe/Madrid';
const defaultAttribution = 'Fuente: AEMET (Agencia Estatal de Meteorología)';

// Elements that repeat: parsed as arrays even when a document has one of them.
const repeated = new Set(['dia', 'prob_precipitacion', 'estado_cielo', 'viento', 'racha_max', 'dato']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => repeated.has(name),
});

type XmlNode = Record<string, unknown>;

export const aemet: ForecastProvider = {
  id: 'aemet',
  fileExtension: 'xml',
  contentType: 'application/xml',
  defaultBaseUrl: 'https://www.aemet.es',
  documentUrl: (location, baseUrl) => `${baseUrl}/xml/municipios/localidad_${location.id}.xml`,
  parse: parseAemetXml,
};

export function parseAemetXml(bytes: Uint8Array, context: ParseContext): Forecast {
  const id = context.location.id;
  const reject = (reason: string): never => {
    throw new DocumentRejectedError(id, reason);
  };
  if (bytes.byteLength === 0) reject('the document is empty');
  if (bytes.byteLength > maxDocumentBytes) reject(`the document is ${bytes.byteLength} bytes, over the ${maxDocumentBytes}-byte limit`);

  let text: string;
  try {
    text = decodeXml(bytes);
  } catch (error) {
    if (error instanceof XmlDecodingError) reject(error.message);
    throw error;
  }
  // Forecasts never carry a DTD; refusing one rules out entity expansion and external entities.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) reject('DTDs and entity declarations are not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) reject(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);

  const root = (parser.parse(text) as XmlNode).root;
  if (!isNode(root)) reject('the root element is not <root>');
  const docRoot = root as XmlNode;
  const docId = str(docRoot['@id']);
  if (docId !== null && docId !== id) reject(`it is the forecast of location ${docId}`);
  const days = (docRoot.prediccion as XmlNode | undefined)?.dia;
  if (!Array.isArray(days) || days.length === 0) reject('it has no <prediccion> with <dia> elements');

  const issuedText = str(docRoot.elaborado);
  const issued = issuedText === null ? null : localTimeToUtc(issuedText, aemetTimezone);
  if (issued === null) reject(`<elaborado> is "${issuedText ?? ''}", not a local date-time`);

  const forecast = {
    location: {
      id,
      name: str(docRoot.nombre) ?? context.location.name,
      province: str(docRoot.provincia) ?? context.location.province,
    },
    provider: 'aemet' as const,
    issuedAt: (issued as Date).toISOString(),
    fetchedAt: context.fetchedAt.toISOString(),
    sample: context.sample,
    attribution: str((docRoot.origen as XmlNode | undefined)?.copyright) ?? defaultAttribution,
    days: (days as unknown[]).map((day) => parseDay(day, reject)),
  };
  const result = ForecastSchema.safeParse(forecast);
  if (!result.success) reject(`unexpected content: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data as Forecast;
}

type Reject = (reason: string) => never;

function parseDay(node: unknown, reject: Reject): Day {
  if (!isNode(node)) return reject('a <dia> element is empty');
  const date = str(node['@fecha']);
  if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return reject(`a <dia> has fecha "${date ?? ''}", not a date`);
  const num = (value: unknown, what: string): number | null => {
    const text = str(value);
    if (text === null) return null;
    const n = Number(text);
    if (!Number.isFinite(n)) reject(`day ${date}: ${what} is "${text}", not a number`);
    return n;
  };

  // Every per-period element, grouped by its "periodo" (absent = the whole day).
  const byPeriod = new Map<string, Omit<Period, 'from' | 'to'>>();
  const slot = (element: XmlNode) => {
    const key = str(element['@periodo']) ?? '00-24';
    let entry = byPeriod.get(key);
    if (!entry) {
      entry = { precipitationProbability: null, sky: null, wind: null, gustKmh: null };
      byPeriod.set(key, entry);
    }
    return entry;
  };
  for (const el of elements(node.prob_precipitacion)) slot(el).precipitationProbability = num(el['#text'], 'prob_precipitacion');
  for (const el of elements(node.estado_cielo)) slot(el).sky = parseSky(el, date, reject);
  for (const el of elements(node.viento)) {
    const direction = str(el.direccion);
    const speedKmh = num(el.velocidad, 'viento/velocidad');
    slot(el).wind = direction === null && speedKmh === null ? null : { direction, speedKmh };
  }
  for (const el of elements(node.racha_max)) slot(el).gustKmh = num(el['#text'], 'racha_max');

  const periods: Period[] = [];
  for (const [key, values] of byPeriod) {
    if (key === '00-24') continue;
    const m = /^(\d{2})-(\d{2})$/.exec(key);
    if (!m) reject(`day ${date}: periodo "${key}" is not HH-HH`);
    periods.push({ from: Number(m?.[1]), to: Number(m?.[2]), ...values });
  }
  periods.sort((a, b) => a.to - a.from - (b.to - b.from) || a.from - b.from);

  const temperature = asNode(node.temperatura);
  const humidity = asNode(node.humedad_relativa);
  return {
    date,
    temperature: { min: num(temperature.minima, 'temperatura/minima'), max: num(temperature.maxima, 'temperatura/maxima') },
    humidity: { min: num(humidity.minima, 'humedad_relativa/minima'), max: num(humidity.maxima, 'humedad_relativa/maxima') },
    uvMax: num(node.uv_max, 'uv_max'),
    summary: byPeriod.get('00-24') ?? { precipitationProbability: null, sky: null, wind: null, gustKmh: null },
    periods,
  };
}

function parseSky(el: XmlNode, date: string, reject: Reject): Sky | null {
  const value = str(el['#text']);
  if (value === null) return null;
  const m = /^(\d{2})(n?)$/.exec(value);
  if (!m) return reject(`day ${date}: estado_cielo "${value}" is not a sky code`);
  const code = m[1] as string;
  return { code, night: m[2] === 'n', description: str(el['@descripcion']) ?? aemetSkyDescriptions[code] ?? '' };
}

/** Trimmed text of a leaf (string or element with text); null when empty or absent. */
function str(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (isNode(value) && typeof value['#text'] === 'string') return str(value['#text']);
  return null;
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asNode(value: unknown): XmlNode {
  return isNode(value) ? value : {};
}

/** The element list of a repeated element, leaves wrapped so attributes and text read alike. */
function elements(value: unknown): XmlNode[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (isNode(v) ? v : { '#text': v }));
}

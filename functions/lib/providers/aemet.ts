// AEMET's keyless municipal forecast (`/xml/municipios/localidad_<id>.xml`): ISO-8859-15 XML,
// seven days; the first two split into 00-24, 00-12, 12-24 and four 6-hour periods, the next
// two into 00-24, 00-12, 12-24, the last three carry one value per element and no period.
// Elements of periods already past are present but empty. Sky codes may end in "n" (night).
import { DocumentRejectedError } from '../errors.ts';
import { ForecastSchema, type Day, type Forecast, type Period, type Sky } from '../forecast/model.ts';
import { aemetSkyDescriptions } from '../forecast/sky.ts';
import { localTimeToUtc } from '../forecast/time.ts';
import { maxDocumentBytes, type ForecastProvider, type ParseContext } from './provider.ts';
import { XmlDecodingError, decodeXml } from './xml-decoding.ts';
import { XmlDtdError, XmlSyntaxError, attributeOf, childOf, readXmlDocument, type XmlElement } from './xml-document.ts';

const aemetTimezone = 'Europe/Madrid';
const defaultAttribution = 'Fuente: AEMET (Agencia Estatal de Meteorología)';

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
  // One pass reads the tree and checks that the XML is well-formed. Forecasts never carry a
  // DTD: the reader refuses one where it appears, which rules out entity expansion and
  // external entities.
  let docRoot: XmlElement;
  try {
    docRoot = readXmlDocument(text);
  } catch (error) {
    if (error instanceof XmlDtdError) reject('DTDs and entity declarations are not accepted');
    if (error instanceof XmlSyntaxError) reject(`malformed XML at line ${error.line}: ${error.reason}`);
    throw error;
  }
  if (docRoot.name !== 'root') reject('the root element is not <root>');
  const docId = attribute(docRoot, 'id');
  if (docId !== null && docId !== id) reject(`it is the forecast of location ${docId}`);
  const prediction = childOf(docRoot, 'prediccion');
  const days = prediction ? prediction.children.filter((c) => c.name === 'dia') : [];
  if (days.length === 0) reject('it has no <prediccion> with <dia> elements');

  const issuedText = textOf(childOf(docRoot, 'elaborado'));
  const issued = issuedText === null ? null : localTimeToUtc(issuedText, aemetTimezone);
  if (issued === null) reject(`<elaborado> is "${issuedText ?? ''}", not a local date-time`);
  const origin = childOf(docRoot, 'origen');

  const forecast = {
    location: {
      id,
      name: textOf(childOf(docRoot, 'nombre')) ?? context.location.name,
      province: textOf(childOf(docRoot, 'provincia')) ?? context.location.province,
    },
    provider: 'aemet' as const,
    issuedAt: (issued as Date).toISOString(),
    fetchedAt: context.fetchedAt.toISOString(),
    sample: context.sample,
    attribution: textOf(origin && childOf(origin, 'copyright')) ?? defaultAttribution,
    days: days.map((day) => parseDay(day, reject)),
  };
  const result = ForecastSchema.safeParse(forecast);
  if (!result.success) reject(`unexpected content: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data as Forecast;
}

type Reject = (reason: string) => never;
type PeriodValues = Omit<Period, 'from' | 'to'>;

function parseDay(node: XmlElement, reject: Reject): Day {
  if (node.attributes.length === 0 && node.children.length === 0 && node.text.trim() === '') return reject('a <dia> element is empty');
  const date = attribute(node, 'fecha');
  if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return reject(`a <dia> has fecha "${date ?? ''}", not a date`);
  const num = (text: string | null, what: string): number | null => {
    if (text === null) return null;
    const n = Number(text);
    if (!Number.isFinite(n)) reject(`day ${date}: ${what} is "${text}", not a number`);
    return n;
  };

  // Every per-period element, grouped by its "periodo" (absent = the whole day).
  const byPeriod = new Map<string, PeriodValues>();
  const slot = (element: XmlElement) => {
    const key = attribute(element, 'periodo') ?? '00-24';
    let entry = byPeriod.get(key);
    if (!entry) {
      entry = { precipitationProbability: null, sky: null, wind: null, gustKmh: null };
      byPeriod.set(key, entry);
    }
    return entry;
  };
  let temperature: XmlElement | undefined;
  let humidity: XmlElement | undefined;
  let uvMax: XmlElement | undefined;
  for (const el of node.children) {
    switch (el.name) {
      case 'prob_precipitacion':
        slot(el).precipitationProbability = num(textOf(el), 'prob_precipitacion');
        break;
      case 'estado_cielo':
        slot(el).sky = parseSky(el, date, reject);
        break;
      case 'viento': {
        const direction = textOf(childOf(el, 'direccion'));
        const speedKmh = num(textOf(childOf(el, 'velocidad')), 'viento/velocidad');
        slot(el).wind = direction === null && speedKmh === null ? null : { direction, speedKmh };
        break;
      }
      case 'racha_max':
        slot(el).gustKmh = num(textOf(el), 'racha_max');
        break;
      case 'temperatura':
        temperature ??= el;
        break;
      case 'humedad_relativa':
        humidity ??= el;
        break;
      case 'uv_max':
        uvMax ??= el;
        break;
    }
  }

  const periods: Period[] = [];
  for (const [key, values] of byPeriod) {
    if (key === '00-24') continue;
    const m = /^(\d{2})-(\d{2})$/.exec(key);
    if (!m) reject(`day ${date}: periodo "${key}" is not HH-HH`);
    periods.push({ from: Number(m?.[1]), to: Number(m?.[2]), ...values });
  }
  periods.sort((a, b) => a.to - a.from - (b.to - b.from) || a.from - b.from);

  const leaf = (parent: XmlElement | undefined, name: string) => textOf(parent && childOf(parent, name));
  return {
    date,
    temperature: { min: num(leaf(temperature, 'minima'), 'temperatura/minima'), max: num(leaf(temperature, 'maxima'), 'temperatura/maxima') },
    humidity: { min: num(leaf(humidity, 'minima'), 'humedad_relativa/minima'), max: num(leaf(humidity, 'maxima'), 'humedad_relativa/maxima') },
    uvMax: num(textOf(uvMax), 'uv_max'),
    summary: byPeriod.get('00-24') ?? { precipitationProbability: null, sky: null, wind: null, gustKmh: null },
    periods,
  };
}

function parseSky(el: XmlElement, date: string, reject: Reject): Sky | null {
  const value = textOf(el);
  if (value === null) return null;
  const m = /^(\d{2})(n?)$/.exec(value);
  if (!m) return reject(`day ${date}: estado_cielo "${value}" is not a sky code`);
  const code = m[1] as string;
  return { code, night: m[2] === 'n', description: attribute(el, 'descripcion') ?? aemetSkyDescriptions[code] ?? '' };
}

/** Trimmed text directly inside an element; null when empty or absent. */
function textOf(element: XmlElement | undefined): string | null {
  if (element === undefined) return null;
  const text = element.text.trim();
  return text === '' ? null : text;
}

/** Trimmed value of an attribute; null when empty or absent. */
function attribute(element: XmlElement, name: string): string | null {
  const value = attributeOf(element, name)?.trim();
  return value === undefined || value === '' ? null : value;
}

// Open-Meteo's forecast API (no key, CC BY 4.0): daily variables for a latitude/longitude in
// the location's timezone. It publishes no issue time, so a document counts as issued at the
// hour it was fetched: fetching twice within an hour stores it once.
import * as z from 'zod';
import { DocumentRejectedError } from '../errors.ts';
import { ForecastSchema, type Day, type Forecast } from '../forecast/model.ts';
import { aemetSkyDescriptions, skyCodeFromWmo } from '../forecast/sky.ts';
import { maxDocumentBytes, type ForecastProvider, type ParseContext } from './provider.ts';

export const openMeteoDailyVariables = [
  'weather_code',
  'temperature_2m_max',
  'temperature_2m_min',
  'precipitation_probability_max',
  'wind_speed_10m_max',
  'wind_gusts_10m_max',
  'wind_direction_10m_dominant',
  'uv_index_max',
  'relative_humidity_2m_max',
  'relative_humidity_2m_min',
] as const;

const series = z.array(z.number().nullable());
const DocumentSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  timezone: z.string(),
  daily: z.object({
    time: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).min(1),
    ...Object.fromEntries(openMeteoDailyVariables.map((v) => [v, series.optional()])),
  }),
});

const attribution = 'Weather data by Open-Meteo.com (CC BY 4.0)';

export const openMeteo: ForecastProvider = {
  id: 'open-meteo',
  fileExtension: 'json',
  contentType: 'application/json',
  defaultBaseUrl: 'https://api.open-meteo.com',
  documentUrl: (location, baseUrl) => {
    const query = new URLSearchParams({
      latitude: String(location.latitude),
      longitude: String(location.longitude),
      daily: openMeteoDailyVariables.join(','),
      timezone: location.timezone,
      forecast_days: '7',
      wind_speed_unit: 'kmh',
    });
    return `${baseUrl}/v1/forecast?${query}`;
  },
  parse: parseOpenMeteoJson,
};

/** The hour a fetch falls in: Open-Meteo's stand-in for an issue time. */
export function openMeteoIssuedAt(fetchedAt: Date): Date {
  return new Date(Math.floor(fetchedAt.getTime() / 3_600_000) * 3_600_000);
}

export function parseOpenMeteoJson(bytes: Uint8Array, context: ParseContext): Forecast {
  const { location } = context;
  const reject = (reason: string): never => {
    throw new DocumentRejectedError(location.id, reason);
  };
  if (bytes.byteLength > maxDocumentBytes) reject(`the document is ${bytes.byteLength} bytes, over the ${maxDocumentBytes}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    reject(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = DocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(`unexpected content at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`);
  }
  const daily = (parsed.data as z.infer<typeof DocumentSchema>).daily as Record<string, (number | null)[] | undefined> & { time: string[] };
  const at = (variable: (typeof openMeteoDailyVariables)[number], i: number) => daily[variable]?.[i] ?? null;

  const days: Day[] = daily.time.map((date, i) => {
    const wmo = at('weather_code', i);
    const code = wmo === null ? null : skyCodeFromWmo(wmo);
    const direction = at('wind_direction_10m_dominant', i);
    const speedKmh = at('wind_speed_10m_max', i);
    return {
      date,
      temperature: { min: at('temperature_2m_min', i), max: at('temperature_2m_max', i) },
      humidity: { min: at('relative_humidity_2m_min', i), max: at('relative_humidity_2m_max', i) },
      uvMax: at('uv_index_max', i),
      summary: {
        precipitationProbability: at('precipitation_probability_max', i),
        sky: code === null ? null : { code, night: false, description: aemetSkyDescriptions[code] ?? '' },
        wind: direction === null && speedKmh === null ? null : { direction: direction === null ? null : compassPoint(direction), speedKmh },
        gustKmh: at('wind_gusts_10m_max', i),
      },
      periods: [],
    };
  });

  const forecast = {
    location: { id: location.id, name: location.name, province: location.province },
    provider: 'open-meteo' as const,
    issuedAt: openMeteoIssuedAt(context.fetchedAt).toISOString(),
    fetchedAt: context.fetchedAt.toISOString(),
    sample: context.sample,
    attribution,
    days,
  };
  const result = ForecastSchema.safeParse(forecast);
  if (!result.success) reject(`unexpected content: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data as Forecast;
}

const points = ['N', 'NE', 'E', 'SE', 'S', 'SO', 'O', 'NO'] as const;

/** Degrees → the Spanish compass point AEMET uses (O for oeste), so both providers read alike. */
export function compassPoint(degrees: number): string {
  const index = Math.round((((degrees % 360) + 360) % 360) / 45) % 8;
  return points[index] as string;
}

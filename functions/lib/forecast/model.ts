// The normalized forecast: what every provider's document becomes and what the stores and the
// API hold. Providers map into it; nothing downstream ever sees a provider's own format.
import * as z from 'zod';

/** Providers this app can read. A location names the one that serves it. */
export const providerIds = ['aemet', 'open-meteo'] as const;
export type ProviderId = (typeof providerIds)[number];

/** A location id is a short token: digits for AEMET municipalities, slug-like for others. */
export const locationIdPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const LocationSchema = z.object({
  id: z.string().regex(locationIdPattern),
  name: z.string().min(1),
  province: z.string(),
  provider: z.enum(providerIds),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  timezone: z.string().min(1),
});
export type Location = z.infer<typeof LocationSchema>;

const nullableNumber = z.number().nullable();

export const SkySchema = z.object({
  /** AEMET sky state code without the night suffix, e.g. "12" (Open-Meteo is mapped onto it). */
  code: z.string().regex(/^\d{2}$/),
  description: z.string(),
  night: z.boolean(),
});
export type Sky = z.infer<typeof SkySchema>;

export const WindSchema = z.object({
  /** Compass point (N, NE, …), "C" for calm, or degrees when the provider gives degrees. */
  direction: z.string().nullable(),
  speedKmh: nullableNumber,
});

export const PeriodSchema = z.object({
  /** Local hours the period covers: 0–24, e.g. { from: 6, to: 12 }. */
  from: z.number().int().min(0).max(24),
  to: z.number().int().min(0).max(24),
  precipitationProbability: nullableNumber,
  sky: SkySchema.nullable(),
  wind: WindSchema.nullable(),
  gustKmh: nullableNumber,
});
export type Period = z.infer<typeof PeriodSchema>;

export const DaySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  temperature: z.object({ min: nullableNumber, max: nullableNumber }),
  humidity: z.object({ min: nullableNumber, max: nullableNumber }),
  uvMax: nullableNumber,
  /** Whole-day values: the 00–24 period when the provider gives one. */
  summary: PeriodSchema.omit({ from: true, to: true }),
  /** Sub-day periods, finest first as the provider gives them; empty when it gives none. */
  periods: z.array(PeriodSchema),
});
export type Day = z.infer<typeof DaySchema>;

export const ForecastSchema = z.object({
  location: z.object({ id: z.string(), name: z.string(), province: z.string() }),
  provider: z.enum(providerIds),
  /** When the provider produced the forecast (ISO 8601, UTC). */
  issuedAt: z.iso.datetime(),
  /** When this app fetched the document (ISO 8601, UTC). */
  fetchedAt: z.iso.datetime(),
  /** True when the document came from the bundled fixtures, never from the provider. */
  sample: z.boolean(),
  attribution: z.string(),
  days: z.array(DaySchema).min(1),
});
export type Forecast = z.infer<typeof ForecastSchema>;

/** The list view: one row per location with today's summary. */
export interface ForecastSummary {
  location: Forecast['location'];
  provider: ProviderId;
  issuedAt: string;
  fetchedAt: string;
  sample: boolean;
  attribution: string;
  today: Day | null;
}

/** Today's entry for a location's timezone, else the first day on or after it. */
export function summarize(forecast: Forecast, now: Date, timezone = 'Europe/Madrid'): ForecastSummary {
  const today = localDate(now, timezone);
  const day = forecast.days.find((d) => d.date >= today) ?? null;
  const { location, provider, issuedAt, fetchedAt, sample, attribution } = forecast;
  return { location, provider, issuedAt, fetchedAt, sample, attribution, today: day };
}

// Building an Intl.DateTimeFormat costs far more than formatting with one (it was a third of
// the API's CPU time per request), so each timezone gets one, built on first use.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of an instant in a timezone. */
export function localDate(instant: Date, timezone: string): string {
  let format = dateFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timezone, format);
  }
  return format.format(instant);
}

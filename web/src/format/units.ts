// Numbers with their units, in the visitor's locale: temperatures, percentages, wind. Every
// value the API sends may be null; null always renders as an em dash, never as zero.
import type { Period } from '../api/types.ts';

/** What the site shows where a value is missing. */
export const missing = '—';

type Locale = string | readonly string[] | undefined;

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(locale as string | string[] | undefined, options);
}

/** "8 °C" (spacing as the locale writes it), rounded to whole degrees. */
export function formatTemperature(celsius: number | null, locale?: Locale): string {
  if (celsius === null) return missing;
  // Round first so -0.4 shows as "0 °C", not "-0 °C".
  return numberFormat(locale, { style: 'unit', unit: 'celsius', maximumFractionDigits: 0 }).format(Math.round(celsius) || 0);
}

/** "80 %" or "80%", as the locale writes it. */
export function formatPercent(value: number | null, locale?: Locale): string {
  if (value === null) return missing;
  return numberFormat(locale, { style: 'unit', unit: 'percent', maximumFractionDigits: 0 }).format(value);
}

export function formatSpeed(kmh: number | null, locale?: Locale): string {
  if (kmh === null) return missing;
  return numberFormat(locale, { style: 'unit', unit: 'kilometer-per-hour', maximumFractionDigits: 0 }).format(kmh);
}

/** A compass point the wind blows from. */
export interface WindFrom {
  /** English abbreviation shown on the page: N, NE, E, SE, S, SW, W, NW. */
  abbreviation: string;
  /** Spoken form for assistive technology: "northeast". */
  name: string;
  /** Bearing the wind comes from, clockwise from north. */
  degrees: number;
}

const compass: readonly WindFrom[] = [
  { abbreviation: 'N', name: 'north', degrees: 0 },
  { abbreviation: 'NE', name: 'northeast', degrees: 45 },
  { abbreviation: 'E', name: 'east', degrees: 90 },
  { abbreviation: 'SE', name: 'southeast', degrees: 135 },
  { abbreviation: 'S', name: 'south', degrees: 180 },
  { abbreviation: 'SW', name: 'southwest', degrees: 225 },
  { abbreviation: 'W', name: 'west', degrees: 270 },
  { abbreviation: 'NW', name: 'northwest', degrees: 315 },
];

// AEMET writes compass points in Spanish: O (oeste) is west, SO and NO are southwest and northwest.
const aemetPoints: Readonly<Record<string, number>> = { N: 0, NE: 1, E: 2, SE: 3, S: 4, SO: 5, O: 6, NO: 7 };

export type WindDirection = { kind: 'calm' } | { kind: 'from'; from: WindFrom } | { kind: 'unknown' };

/** AEMET's compass point, "C" for calm, or a bearing in degrees (some providers send degrees). */
export function windDirection(direction: string | null): WindDirection {
  if (direction === null) return { kind: 'unknown' };
  const text = direction.trim().toUpperCase();
  if (text === 'C') return { kind: 'calm' };
  const point = aemetPoints[text];
  if (point !== undefined) return { kind: 'from', from: compass[point] as WindFrom };
  if (/^\d{1,3}(\.\d+)?$/.test(text)) {
    const degrees = Number(text) % 360;
    return { kind: 'from', from: compass[Math.round(degrees / 45) % 8] as WindFrom };
  }
  return { kind: 'unknown' };
}

/** "NE 5 km/h", "Calm", or "—" when the period has no wind values. */
export function formatWind(wind: Period['wind'], locale?: Locale): string {
  if (wind === null) return missing;
  const direction = windDirection(wind.direction);
  if (direction.kind === 'calm' || wind.speedKmh === 0) return 'Calm';
  const speed = formatSpeed(wind.speedKmh, locale);
  if (direction.kind === 'unknown') return speed;
  return wind.speedKmh === null ? direction.from.abbreviation : `${direction.from.abbreviation} ${speed}`;
}

/** The sentence a screen reader hears for the wind: "from the northeast at 5 km/h". */
export function describeWind(wind: Period['wind'], locale?: Locale): string {
  if (wind === null) return 'wind not given';
  const direction = windDirection(wind.direction);
  if (direction.kind === 'calm' || wind.speedKmh === 0) return 'calm';
  const speed = wind.speedKmh === null ? '' : ` at ${formatSpeed(wind.speedKmh, locale)}`;
  return direction.kind === 'from' ? `from the ${direction.from.name}${speed}` : `wind${speed}`;
}

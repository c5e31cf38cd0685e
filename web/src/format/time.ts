// Dates and times in the visitor's locale. Forecast days are calendar dates of the location
// ("2026-11-23"), not instants: they are formatted in UTC so no timezone can shift them a day.
type Locale = string | readonly string[] | undefined;

function locales(locale: Locale): string | string[] | undefined {
  return locale as string | string[] | undefined;
}

function calendarDate(date: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1));
}

/** "Monday" and "23 Nov" for a forecast day. */
export function formatDay(date: string, locale?: Locale): { weekday: string; date: string; full: string } {
  const instant = calendarDate(date);
  const format = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locales(locale), { ...options, timeZone: 'UTC' }).format(instant);
  return {
    weekday: format({ weekday: 'long' }),
    date: format({ day: 'numeric', month: 'short' }),
    full: format({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
  };
}

/** "today", "tomorrow" (in the locale's words) for those two days, else null. */
export function relativeDayName(date: string, today: string, locale?: Locale): string | null {
  const days = Math.round((calendarDate(date).getTime() - calendarDate(today).getTime()) / 86_400_000);
  if (days !== 0 && days !== 1) return null;
  return new Intl.RelativeTimeFormat(locales(locale), { numeric: 'auto' }).format(days, 'day');
}

/** The calendar date (YYYY-MM-DD) in `timeZone`, or in the visitor's own when none is given. */
export function localCalendarDate(now: Date, timeZone?: string): string {
  if (timeZone) return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "23 Nov 2026, 05:40": an instant in the visitor's timezone unless one is given. */
export function formatDateTime(iso: string, locale?: Locale, timeZone?: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  return new Intl.DateTimeFormat(locales(locale), { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(instant);
}

const units: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "7 hours ago", "in 5 minutes", "now": the largest whole unit, as the locale says it. */
export function formatRelative(iso: string, now: Date, locale?: Locale): string {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return iso;
  const seconds = (instant - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locales(locale), { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}

/** A span of hours, e.g. "00–06" or "12–24". */
export function formatHours(from: number, to: number): string {
  const pad = (h: number) => String(h).padStart(2, '0');
  return `${pad(from)}–${pad(to)}`;
}

/** "12 h", for how long forecasts stay fresh. */
export function formatDuration(seconds: number, locale?: Locale): string {
  const hours = seconds / 3600;
  const unit = Number.isInteger(hours) ? 'hour' : 'minute';
  const value = unit === 'hour' ? hours : Math.round(seconds / 60);
  return new Intl.NumberFormat(locales(locale), { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

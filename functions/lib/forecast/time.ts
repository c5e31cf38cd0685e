// Wall-clock times in a named timezone, without a timezone library: Intl knows the offsets.

// One formatter per timezone, built on first use: building one costs far more than using it.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timezone: string): Intl.DateTimeFormat {
  let format = wallClockFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormats.set(timezone, format);
  }
  return format;
}

/** The wall clock of `timezone` at `instant`, to the second, as if it were UTC. */
function wallClockAt(instant: number, timezone: string): number {
  const parts = wallClockFormat(timezone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** Offset of `timezone` from UTC at `instant`, in milliseconds (e.g. +2h for Madrid in summer). */
function offsetAt(instant: number, timezone: string): number {
  return wallClockAt(instant, timezone) - Math.floor(instant / 1000) * 1000;
}

/**
 * What a wall clock in `timezone` reads at `instant`, to the second, as a Date whose UTC fields
 * are that reading (`getUTCHours()` is the local hour, `getUTCDay()` the local weekday).
 */
export function wallClock(instant: Date, timezone: string): Date {
  return new Date(wallClockAt(instant.getTime(), timezone));
}

/** What a wall clock in `timezone` reads at `instant`: `YYYY-MM-DDTHH:mm:ss` (the inverse of localTimeToUtc). */
export function utcToLocalTime(instant: Date, timezone: string): string {
  return wallClock(instant, timezone).toISOString().slice(0, 19);
}

/**
 * The UTC instant of a local wall-clock time `YYYY-MM-DDTHH:mm[:ss]` in `timezone`.
 * Returns null when the text is not such a time.
 */
export function localTimeToUtc(local: string, timezone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  // Two passes settle the offset even when the first guess lands across a DST change.
  let utc = wall - offsetAt(wall, timezone);
  utc = wall - offsetAt(utc, timezone);
  return new Date(utc);
}

/** Add whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

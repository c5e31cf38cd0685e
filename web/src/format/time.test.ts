import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDay, formatDuration, formatHours, formatRelative, localCalendarDate, relativeDayName } from './time.ts';

describe('formatDay', () => {
  it('names a forecast day in the given locale', () => {
    expect(formatDay('2026-11-23', 'en-GB')).toEqual({ weekday: 'Monday', date: '23 Nov', full: 'Monday, 23 November 2026' });
    expect(formatDay('2026-11-23', 'es-ES')).toMatchObject({ weekday: 'lunes', date: '23 nov' });
    expect(formatDay('2026-11-23', 'en-US')).toMatchObject({ date: 'Nov 23' });
  });

  it('keeps the calendar date whatever the timezone: the first and last day of a year', () => {
    expect(formatDay('2027-01-01', 'en-GB').full).toBe('Friday, 1 January 2027');
    expect(formatDay('2026-12-31', 'en-GB').full).toBe('Thursday, 31 December 2026');
  });
});

describe('relativeDayName', () => {
  it('says today and tomorrow in the locale, nothing for other days', () => {
    expect(relativeDayName('2026-11-23', '2026-11-23', 'en-GB')).toBe('today');
    expect(relativeDayName('2026-11-24', '2026-11-23', 'en-GB')).toBe('tomorrow');
    expect(relativeDayName('2026-11-24', '2026-11-23', 'es-ES')).toBe('mañana');
    expect(relativeDayName('2026-11-25', '2026-11-23', 'en-GB')).toBeNull();
    expect(relativeDayName('2026-11-22', '2026-11-23', 'en-GB')).toBeNull();
  });

  it('counts across a month end', () => {
    expect(relativeDayName('2026-12-01', '2026-11-30', 'en-GB')).toBe('tomorrow');
  });
});

describe('localCalendarDate', () => {
  it('is the local date padded as YYYY-MM-DD', () => {
    expect(localCalendarDate(new Date(2026, 0, 5, 12))).toBe('2026-01-05');
  });

  it('is the date in the given timezone when one is given', () => {
    // 23:30 UTC on the 5th is already the 6th in Madrid and still the 5th in New York.
    const instant = new Date('2026-01-05T23:30:00Z');
    expect(localCalendarDate(instant, 'Europe/Madrid')).toBe('2026-01-06');
    expect(localCalendarDate(instant, 'America/New_York')).toBe('2026-01-05');
  });
});

describe('formatDateTime', () => {
  it('writes an instant in the locale and timezone given', () => {
    expect(formatDateTime('2026-11-23T04:40:00Z', 'en-GB', 'UTC')).toBe('23 Nov 2026, 04:40');
    expect(formatDateTime('2026-11-23T04:40:00Z', 'en-GB', 'Europe/Madrid')).toBe('23 Nov 2026, 05:40');
    expect(formatDateTime('2026-11-23T04:40:00Z', 'es-ES', 'Europe/Madrid')).toBe('23 nov 2026, 5:40');
  });

  it('returns text it cannot read unchanged', () => {
    expect(formatDateTime('not a date', 'en-GB')).toBe('not a date');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-11-23T12:00:00Z');

  it('uses the largest whole unit', () => {
    expect(formatRelative('2026-11-23T04:40:00Z', now, 'en-GB')).toBe('7 hours ago');
    expect(formatRelative('2026-11-23T11:59:30Z', now, 'en-GB')).toBe('now');
    expect(formatRelative('2026-11-23T11:55:00Z', now, 'en-GB')).toBe('5 minutes ago');
    expect(formatRelative('2026-11-21T12:00:00Z', now, 'en-GB')).toBe('2 days ago');
    expect(formatRelative('2026-11-22T11:00:00Z', now, 'en-GB')).toBe('yesterday');
    expect(formatRelative('2026-11-09T12:00:00Z', now, 'en-GB')).toBe('2 weeks ago');
    expect(formatRelative('2026-01-02T03:04:00Z', now, 'en-GB')).toBe('10 months ago');
    expect(formatRelative('2024-11-01T00:00:00Z', now, 'en-GB')).toBe('2 years ago');
  });

  it('speaks the locale and handles the future', () => {
    expect(formatRelative('2026-11-23T09:00:00Z', now, 'es-ES')).toBe('hace 3 horas');
    expect(formatRelative('2026-11-23T12:10:00Z', now, 'en-GB')).toBe('in 10 minutes');
  });
});

describe('formatHours and formatDuration', () => {
  it('pads the hours of a period', () => {
    expect(formatHours(0, 6)).toBe('00–06');
    expect(formatHours(12, 24)).toBe('12–24');
  });

  it('writes how long a forecast stays fresh', () => {
    expect(formatDuration(43_200, 'en-GB')).toBe('12 hours');
    expect(formatDuration(5_400, 'en-GB')).toBe('90 minutes');
  });
});

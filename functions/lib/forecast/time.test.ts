// Wall-clock times in a named timezone, across both daylight-saving changes of the year.
import { describe, expect, it } from 'vitest';
import { addDays, localTimeToUtc, utcToLocalTime } from './time.ts';

const utc = (local: string, timezone = 'Europe/Madrid') => localTimeToUtc(local, timezone)?.toISOString() ?? null;

describe('localTimeToUtc', () => {
  it('converts Madrid winter time (UTC+1) and summer time (UTC+2)', () => {
    expect(utc('2026-01-15T12:00')).toBe('2026-01-15T11:00:00.000Z');
    expect(utc('2026-07-15T12:00:30')).toBe('2026-07-15T10:00:30.000Z');
  });

  it('follows the spring change (last Sunday of March, 02:00 → 03:00)', () => {
    expect(utc('2026-03-28T12:00')).toBe('2026-03-28T11:00:00.000Z');
    expect(utc('2026-03-29T01:59:59')).toBe('2026-03-29T00:59:59.000Z');
    expect(utc('2026-03-29T03:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(utc('2026-03-29T12:00')).toBe('2026-03-29T10:00:00.000Z');
  });

  it('maps a time inside the spring gap forward, as the clock would read it an hour later', () => {
    // 02:30 does not exist on that night; 01:30Z is 03:30 summer time.
    expect(utc('2026-03-29T02:30')).toBe('2026-03-29T01:30:00.000Z');
  });

  it('follows the autumn change (last Sunday of October, 03:00 → 02:00)', () => {
    expect(utc('2026-10-24T12:00')).toBe('2026-10-24T10:00:00.000Z');
    expect(utc('2026-10-25T01:59:59')).toBe('2026-10-24T23:59:59.000Z');
    expect(utc('2026-10-25T03:00')).toBe('2026-10-25T02:00:00.000Z');
    expect(utc('2026-10-25T12:00')).toBe('2026-10-25T11:00:00.000Z');
    // 02:30 happens twice that night: either reading is a real instant of it.
    expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).toContain(utc('2026-10-25T02:30'));
  });

  it('works in other timezones, including the southern hemisphere', () => {
    expect(utc('2026-03-08T12:00', 'America/New_York')).toBe('2026-03-08T16:00:00.000Z');
    expect(utc('2026-07-01T10:00', 'Atlantic/Canary')).toBe('2026-07-01T09:00:00.000Z');
    expect(utc('2026-04-05T12:00', 'Australia/Sydney')).toBe('2026-04-05T02:00:00.000Z');
    expect(utc('2026-01-05T12:00', 'Australia/Sydney')).toBe('2026-01-05T01:00:00.000Z');
    expect(utc('2026-06-01T00:00', 'UTC')).toBe('2026-06-01T00:00:00.000Z');
  });

  it.each([
    'ayer',
    '',
    '2026-02-30T10:00',
    '2026-13-01T10:00',
    '2026-00-10T10:00',
    '2026-01-01T24:00',
    '2026-01-01T10:60',
    '2026-01-01T10:00:60',
    '2026-01-01 10:00',
    '2026-01-01T10:00Z',
    '2026-01-01T10:00+01:00',
    '2026-1-1T10:00',
  ])('returns null for "%s"', (text) => {
    expect(localTimeToUtc(text, 'Europe/Madrid')).toBeNull();
  });
});

describe('addDays', () => {
  it.each([
    ['2026-03-28', 1, '2026-03-29'],
    ['2026-10-24', 2, '2026-10-26'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-10', 0, '2026-03-10'],
    ['2026-03-10', 6, '2026-03-16'],
  ])('%s + %i days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('utcToLocalTime', () => {
  it.each([
    ['2026-12-04T23:30:00Z', 'Europe/Madrid', '2026-12-05T00:30:00'],
    ['2026-12-04T22:59:59Z', 'Europe/Madrid', '2026-12-04T23:59:59'],
    ['2026-06-15T12:00:00Z', 'Europe/Madrid', '2026-06-15T14:00:00'],
    // The spring change: 01:59:59 winter time is followed by 03:00 summer time.
    ['2027-03-28T00:59:59Z', 'Europe/Madrid', '2027-03-28T01:59:59'],
    ['2027-03-28T01:00:00Z', 'Europe/Madrid', '2027-03-28T03:00:00'],
    // The autumn change: 02:00–02:59 is read twice, once in summer time and once in winter time.
    ['2026-10-25T00:30:00Z', 'Europe/Madrid', '2026-10-25T02:30:00'],
    ['2026-10-25T01:30:00Z', 'Europe/Madrid', '2026-10-25T02:30:00'],
    ['2026-01-01T00:00:00Z', 'Atlantic/Canary', '2026-01-01T00:00:00'],
    ['2026-01-05T01:00:00Z', 'Australia/Sydney', '2026-01-05T12:00:00'],
  ])('%s reads %s in %s', (instant, timezone, expected) => {
    expect(utcToLocalTime(new Date(instant), timezone)).toBe(expected);
  });

  it('is undone by localTimeToUtc at every hour but the first reading of the repeated one', () => {
    const repeated = Date.parse('2026-10-25T00:00:00Z'); // 02:00 summer time, read back as 02:00 winter time
    for (let t = Date.parse('2026-10-24T00:00:00Z'); t < Date.parse('2026-10-26T00:00:00Z'); t += 3_600_000) {
      const local = utcToLocalTime(new Date(t), 'Europe/Madrid');
      expect(localTimeToUtc(local, 'Europe/Madrid')?.getTime(), local).toBe(t === repeated ? t + 3_600_000 : t);
    }
  });
});

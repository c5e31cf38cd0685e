// The normalized model's list view: "today" is the calendar date in the location's timezone.
import { describe, expect, it } from 'vitest';
import { ForecastSchema, localDate, summarize, type Forecast } from './model.ts';
import { addDays } from './time.ts';

function forecastFrom(firstDate: string, days: number): Forecast {
  return ForecastSchema.parse({
    location: { id: '28079', name: 'Madrid', province: 'Madrid' },
    provider: 'aemet',
    issuedAt: '2026-03-10T04:40:00.000Z',
    fetchedAt: '2026-03-10T06:00:00.000Z',
    sample: false,
    attribution: 'AEMET',
    days: Array.from({ length: days }, (_, i) => ({
      date: addDays(firstDate, i),
      temperature: { min: i, max: 10 + i },
      humidity: { min: null, max: null },
      uvMax: null,
      summary: { precipitationProbability: null, sky: null, wind: null, gustKmh: null },
      periods: [],
    })),
  });
}

describe('summarize', () => {
  const forecast = forecastFrom('2026-03-10', 7);

  it('picks the day that is today in Madrid, not in UTC', () => {
    // 23:30 UTC on the 10th is already 00:30 on the 11th in Madrid.
    const now = new Date('2026-03-10T23:30:00Z');
    expect(summarize(forecast, now, 'Europe/Madrid').today?.date).toBe('2026-03-11');
    expect(summarize(forecast, now, 'UTC').today?.date).toBe('2026-03-10');
    expect(summarize(forecast, now, 'America/New_York').today?.date).toBe('2026-03-10');
  });

  it('uses Madrid when no timezone is given', () => {
    expect(summarize(forecast, new Date('2026-03-12T23:30:00Z')).today?.date).toBe('2026-03-13');
  });

  it('takes the first day when the forecast starts after today', () => {
    expect(summarize(forecast, new Date('2026-03-01T12:00:00Z')).today?.date).toBe('2026-03-10');
  });

  it('has no today once every day is past', () => {
    expect(summarize(forecast, new Date('2026-03-20T12:00:00Z')).today).toBeNull();
  });

  it('carries the forecast header and the whole day entry', () => {
    const summary = summarize(forecast, new Date('2026-03-11T10:00:00Z'));
    expect(summary).toEqual({
      location: forecast.location,
      provider: 'aemet',
      issuedAt: forecast.issuedAt,
      fetchedAt: forecast.fetchedAt,
      sample: false,
      attribution: 'AEMET',
      today: forecast.days[1],
    });
  });
});

describe('localDate', () => {
  it('gives the calendar date of an instant in a timezone', () => {
    const instant = new Date('2026-07-01T22:30:00Z');
    expect(localDate(instant, 'Europe/Madrid')).toBe('2026-07-02');
    expect(localDate(instant, 'Atlantic/Canary')).toBe('2026-07-01');
    expect(localDate(instant, 'Pacific/Auckland')).toBe('2026-07-02');
  });
});

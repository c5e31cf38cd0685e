import { describe, expect, it } from 'vitest';
import type { Period } from '../api/types.ts';
import { groupPeriods, isPastPeriod } from './periods.ts';

const past = (from: number, to: number): Period => ({ from, to, precipitationProbability: null, sky: null, wind: null, gustKmh: null });
const forecast = (from: number, to: number, precipitationProbability = 10): Period => ({
  from,
  to,
  precipitationProbability,
  sky: { code: '12', description: 'Poco nuboso', night: false },
  wind: { direction: 'N', speedKmh: 10 },
  gustKmh: null,
});

describe('groupPeriods', () => {
  it('splits a first day into its 6-hour and 12-hour periods, shortest first, in time order', () => {
    const day = { periods: [forecast(12, 24), forecast(0, 12), past(0, 6), forecast(6, 12), forecast(12, 18), forecast(18, 24)] };
    const groups = groupPeriods(day);
    expect(groups.map((g) => g.hours)).toEqual([6, 12]);
    expect(groups[0]?.periods.map((p) => p.from)).toEqual([0, 6, 12, 18]);
    expect(groups[1]?.periods.map((p) => p.from)).toEqual([0, 12]);
  });

  it('gives no groups for a day without periods, and leaves out a whole-day period', () => {
    expect(groupPeriods({ periods: [] })).toEqual([]);
    expect(groupPeriods({ periods: [forecast(0, 24)] })).toEqual([]);
  });
});

describe('isPastPeriod', () => {
  it('is true only when every value is null', () => {
    expect(isPastPeriod(past(0, 6))).toBe(true);
    expect(isPastPeriod(forecast(6, 12))).toBe(false);
    expect(isPastPeriod({ ...past(0, 6), precipitationProbability: 0 })).toBe(false);
  });
});

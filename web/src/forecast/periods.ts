// How a day's sub-day periods are shown. AEMET gives days 1–2 both 6-hour and 12-hour periods,
// days 3–4 only 12-hour ones, later days none; a period already over has every value null.
import type { Day, Period } from '../api/types.ts';

export interface PeriodGroup {
  /** Length of each period in hours: 6, 12, … */
  hours: number;
  periods: Period[];
}

/** Periods grouped by length, shortest first, each group in time order. */
export function groupPeriods(day: Pick<Day, 'periods'>): PeriodGroup[] {
  const groups = new Map<number, Period[]>();
  for (const period of day.periods) {
    const hours = period.to - period.from;
    if (hours <= 0 || hours >= 24) continue; // a whole-day period is the summary, shown already
    groups.set(hours, [...(groups.get(hours) ?? []), period]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hours, periods]) => ({ hours, periods: periods.sort((a, b) => a.from - b.from) }));
}

/** A period the provider no longer forecasts because it is over: all its values are null. */
export function isPastPeriod(period: Period): boolean {
  return period.precipitationProbability === null && period.sky === null && period.wind === null && period.gustKmh === null;
}

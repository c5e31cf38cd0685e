// The five-field cron a PingSource reads, as the local scheduler and the staleness threshold use it.
import { describe, expect, it } from 'vitest';
import { longestInterval, parseCron } from './cron.ts';

/** The next `count` runs strictly after `from`, as ISO strings. */
function runs(expression: string, from: string, count: number): string[] {
  const schedule = parseCron(expression);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    at = schedule.next(at);
    out.push(at.toISOString());
  }
  return out;
}

describe('parseCron', () => {
  it("runs the app's schedule '1 */4 * * *' at minute 1 of every fourth hour", () => {
    expect(runs('1 */4 * * *', '2026-01-05T00:00:00Z', 7)).toEqual([
      '2026-01-05T00:01:00.000Z',
      '2026-01-05T04:01:00.000Z',
      '2026-01-05T08:01:00.000Z',
      '2026-01-05T12:01:00.000Z',
      '2026-01-05T16:01:00.000Z',
      '2026-01-05T20:01:00.000Z',
      '2026-01-06T00:01:00.000Z',
    ]);
    expect(longestInterval(parseCron('1 */4 * * *'))).toBe(4 * 3600);
  });

  it('gives the first run strictly after the given time', () => {
    const schedule = parseCron('1 */4 * * *');
    expect(schedule.next(new Date('2026-01-05T04:01:00.000Z')).toISOString()).toBe('2026-01-05T08:01:00.000Z');
    expect(schedule.next(new Date('2026-01-05T04:00:59.999Z')).toISOString()).toBe('2026-01-05T04:01:00.000Z');
  });

  it('reads lists, ranges and stepped ranges', () => {
    expect(runs('0,30 9 * * *', '2026-01-05T00:00:00Z', 3)).toEqual(['2026-01-05T09:00:00.000Z', '2026-01-05T09:30:00.000Z', '2026-01-06T09:00:00.000Z']);
    expect(runs('15 9-11 * * *', '2026-01-05T00:00:00Z', 4)).toEqual([
      '2026-01-05T09:15:00.000Z',
      '2026-01-05T10:15:00.000Z',
      '2026-01-05T11:15:00.000Z',
      '2026-01-06T09:15:00.000Z',
    ]);
    expect(runs('0 8-18/5 * * *', '2026-01-05T00:00:00Z', 4)).toEqual([
      '2026-01-05T08:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
      '2026-01-05T18:00:00.000Z',
      '2026-01-06T08:00:00.000Z',
    ]);
    expect(runs('*/20 0 1,15 * *', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:40:00.000Z',
      '2026-01-15T00:00:00.000Z',
      '2026-01-15T00:20:00.000Z',
    ]);
    expect(longestInterval(parseCron('*/15 * * * *'))).toBe(15 * 60);
  });

  it('takes day of week 7 as Sunday, like 0', () => {
    // 2026-01-05 is a Monday; the next Sunday is the 11th.
    expect(runs('0 12 * * 7', '2026-01-05T00:00:00Z', 2)).toEqual(['2026-01-11T12:00:00.000Z', '2026-01-18T12:00:00.000Z']);
    expect(runs('0 12 * * 0', '2026-01-05T00:00:00Z', 1)).toEqual(['2026-01-11T12:00:00.000Z']);
    expect(runs('0 12 * * 5-7', '2026-01-05T00:00:00Z', 3)).toEqual(['2026-01-09T12:00:00.000Z', '2026-01-10T12:00:00.000Z', '2026-01-11T12:00:00.000Z']);
  });

  it('runs when either day of month or day of week matches if both are restricted', () => {
    // The 13th, or any Friday: 2026-01-02 and 01-09 are Fridays, the 13th a Tuesday.
    expect(runs('0 0 13 * 5', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
    // Only one restricted: both must match (every day is in "*").
    expect(runs('0 0 13 * *', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']);
    expect(runs('0 0 * 3 1', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-03-02T00:00:00.000Z']);
    // A stepped star does not make the either-day rule apply: only a 13th falling on Sun, Tue,
    // Thu or Sat runs (2026-01-13 is a Tuesday, 06-13 a Saturday; the months between are not).
    expect(runs('0 0 13 * */2', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00.000Z', '2026-06-13T00:00:00.000Z']);
  });

  it('finds a leap day years ahead and says when a schedule never runs', () => {
    expect(runs('0 6 29 2 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T06:00:00.000Z']);
    expect(() => parseCron('0 0 31 2 *').next(new Date('2026-01-01T00:00:00Z'))).toThrow('cron "0 0 31 2 *" never runs');
  });

  it.each([
    ['1 */4 * *', 'must have 5 fields (minute hour day-of-month month day-of-week), has 4'],
    ['1 */4 * * * *', 'has 6'],
    ['60 * * * *', 'minute "60" is outside 0-59'],
    ['0 24 * * *', 'hour "24" is outside 0-23'],
    ['0 0 0 * *', 'day of month "0" is outside 1-31'],
    ['0 0 * 13 *', 'month "13" is outside 1-12'],
    ['0 0 * * 8', 'day of week "8" is outside 0-7'],
    ['0 9-5 * * *', 'hour "9-5" is outside 0-23'],
    ['*/0 * * * *', 'minute "*/0" has a step below 1'],
    ['@hourly * * * *', 'minute "@hourly" is not *, n, a-b or a list of them'],
    ['0 MON * * *', 'hour "MON" is not'],
    ['0 1,,2 * * *', 'hour "1,,2" is not'],
  ])('refuses "%s"', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});

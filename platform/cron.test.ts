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

  it('finds a leap day years ahead and says when a schedule never runs', () => {
    expect(runs('0 6 29 2 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T06:00:00.000Z']);
    expect(() => parseCron('0 0 31 2 *').next(new Date('2026-01-01T00:00:00Z'))).toThrow('cron "0 0 31 2 *" never runs');
  });

  it('runs when either day of month or day of week matches if both are restricted, a stepped star included', () => {
    // The 13th, or any Friday: 2026-01-02 and 01-09 are Fridays, the 13th a Tuesday.
    expect(runs('0 0 13 * 5', '2026-01-01T00:00:00Z', 4)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z', '2026-01-16T00:00:00.000Z']);
    // Only one restricted: both must match (every day is in "*").
    expect(runs('0 0 13 * *', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']);
    expect(runs('0 0 * 3 1', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-03-02T00:00:00.000Z']);
    // "*/2" restricts, as in robfig (not as in Vixie cron): the 13th or any Sun, Tue, Thu, Sat.
    expect(runs('0 0 13 * */2', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-06T00:00:00.000Z']);
  });

  it('says when a schedule never runs', () => {
    expect(() => parseCron('0 0 30 2 *').next(new Date('2026-01-01T00:00:00Z'))).toThrow('cron "0 0 30 2 *" never runs');
  });
});

// What robfig/cron v3 (PingSource's parser) does, case for case: its own activation and next-run
// tables, in five-field form (its second field dropped where it is 0), read in UTC where it
// reads the test machine's zone.
describe('parity with robfig/cron v3 ParseStandard', () => {
  it.each([
    // every fifteen minutes, from 0 and from 5
    ['0/15 * * * *', '2012-07-09T15:00:00Z', true],
    ['0/15 * * * *', '2012-07-09T15:45:00Z', true],
    ['0/15 * * * *', '2012-07-09T15:40:00Z', false],
    ['5/15 * * * *', '2012-07-09T15:05:00Z', true],
    ['5/15 * * * *', '2012-07-09T15:20:00Z', true],
    ['5/15 * * * *', '2012-07-09T15:50:00Z', true],
    // month names
    ['0/15 * * Jul *', '2012-07-15T15:00:00Z', true],
    ['0/15 * * Jun *', '2012-07-15T15:00:00Z', false],
    // every field set, "?" for the day field left open
    ['30 08 ? Jul Sun', '2012-07-15T08:30:00Z', true],
    ['30 08 15 Jul ?', '2012-07-15T08:30:00Z', true],
    ['30 08 ? Jul Sun', '2012-07-16T08:30:00Z', false],
    ['30 08 15 Jul ?', '2012-07-16T08:30:00Z', false],
    // descriptors
    ['@hourly', '2012-07-09T15:00:00Z', true],
    ['@hourly', '2012-07-09T15:04:00Z', false],
    ['@daily', '2012-07-09T15:00:00Z', false],
    ['@daily', '2012-07-09T00:00:00Z', true],
    ['@weekly', '2012-07-09T00:00:00Z', false],
    ['@weekly', '2012-07-08T00:00:00Z', true],
    ['@weekly', '2012-07-08T01:00:00Z', false],
    ['@monthly', '2012-07-08T00:00:00Z', false],
    ['@monthly', '2012-07-01T00:00:00Z', true],
    // both day fields restricted: either one matching is enough…
    ['* * 1,15 * Sun', '2012-07-15T00:00:00Z', true],
    ['* * 1,15 * Sun', '2012-06-15T00:00:00Z', true],
    ['* * 1,15 * Sun', '2012-08-01T00:00:00Z', true],
    // …a stepped star restricts (robfig issue #70)…
    ['* * */10 * Sun', '2012-07-15T00:00:00Z', true],
    // …and when one of them is a plain star, both must match.
    ['* * * * Mon', '2012-07-15T00:00:00Z', false],
    ['* * 1,15 * *', '2012-07-09T00:00:00Z', false],
    ['* * 1,15 * *', '2012-07-15T00:00:00Z', true],
    ['* * */2 * Sun', '2012-07-15T00:00:00Z', true],
  ])('"%s" runs at %s: %s', (expression, at, runsThen) => {
    const instant = new Date(at);
    const next = parseCron(expression).next(new Date(instant.getTime() - 1000));
    expect(next.getTime() === instant.getTime()).toBe(runsThen);
  });

  it.each([
    ['0/15 * * * *', '2012-07-09T14:45:00Z', '2012-07-09T15:00:00Z'],
    ['0/15 * * * *', '2012-07-09T14:59:00Z', '2012-07-09T15:00:00Z'],
    ['0/15 * * * *', '2012-07-09T14:59:59Z', '2012-07-09T15:00:00Z'],
    // wrapping around hours, days, months and years
    ['20-35/15 * * * *', '2012-07-09T15:45:00Z', '2012-07-09T16:20:00Z'],
    ['*/15 * * * *', '2012-07-09T23:46:00Z', '2012-07-10T00:00:00Z'],
    ['20-35/15 * * * *', '2012-07-09T23:45:00Z', '2012-07-10T00:20:00Z'],
    ['0 0 9 Apr-Oct ?', '2012-07-09T23:35:00Z', '2012-08-09T00:00:00Z'],
    ['0 0 */5 Apr,Aug,Oct Mon', '2012-07-09T23:35:00Z', '2012-08-01T00:00:00Z'],
    ['0 0 */5 Oct Mon', '2012-07-09T23:35:00Z', '2012-10-01T00:00:00Z'],
    ['0 0 * Feb Mon', '2012-07-09T23:35:00Z', '2013-02-04T00:00:00Z'],
    ['0 0 * Feb Mon/2', '2012-07-09T23:35:00Z', '2013-02-01T00:00:00Z'],
    ['* * * * *', '2012-12-31T23:59:45Z', '2013-01-01T00:00:00Z'],
    ['0 0 29 Feb ?', '2012-07-09T23:35:00Z', '2016-02-29T00:00:00Z'],
    // New York springs forward at 02:00: 02:30 does not exist that day, the hourly job skips 2 am
    ['CRON_TZ=America/New_York 30 2 11 Mar ?', '2012-03-11T00:00:00-05:00', '2013-03-11T02:30:00-04:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T00:00:00-05:00', '2012-03-11T01:00:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-03-11T01:00:00-05:00', '2012-03-11T03:00:00-04:00'],
    ['CRON_TZ=America/New_York 0 * * * ?', '2012-03-11T03:00:00-04:00', '2012-03-11T04:00:00-04:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-03-11T01:00:00-05:00', '2012-03-12T01:00:00-04:00'],
    ['TZ=America/New_York 0 2 * * ?', '2012-03-11T00:00:00-05:00', '2012-03-12T02:00:00-04:00'],
    // …and falls back at 02:00: 1 am happens twice, and so does the job
    ['TZ=America/New_York 30 2 04 Nov ?', '2012-11-04T00:00:00-04:00', '2012-11-04T02:30:00-05:00'],
    ['TZ=America/New_York 30 1 04 Nov ?', '2012-11-04T01:45:00-04:00', '2012-11-04T01:30:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-04:00', '2012-11-04T01:00:00-05:00'],
    ['TZ=America/New_York 0 * * * ?', '2012-11-04T01:00:00-05:00', '2012-11-04T02:00:00-05:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T01:00:00-04:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-04:00', '2012-11-04T01:00:00-05:00'],
    ['TZ=America/New_York 0 1 * * ?', '2012-11-04T01:00:00-05:00', '2012-11-05T01:00:00-05:00'],
    ['TZ=America/New_York 0 2 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T02:00:00-05:00'],
    ['TZ=America/New_York 0 3 * * ?', '2012-11-04T00:00:00-04:00', '2012-11-04T03:00:00-05:00'],
    ['TZ=America/New_York 0 3 3 * ?', '2012-11-04T00:00:00-04:00', '2012-12-03T03:00:00-05:00'],
    // São Paulo skipped midnight when its summer time began (robfig issue #157)
    ['TZ=America/Sao_Paulo 0 9 10 * ?', '2018-10-17T05:00:00-04:00', '2018-11-10T06:00:00-05:00'],
    ['TZ=America/Sao_Paulo 0 9 22 * ?', '2018-02-14T05:00:00-05:00', '2018-02-22T07:00:00-05:00'],
    // The same nights in Madrid: 02:30 is skipped in March and happens twice in October.
    ['CRON_TZ=Europe/Madrid 30 2 * * *', '2027-03-27T12:00:00Z', '2027-03-29T00:30:00Z'],
    ['CRON_TZ=Europe/Madrid 30 2 * * *', '2026-10-24T12:00:00Z', '2026-10-25T00:30:00Z'],
    ['CRON_TZ=Europe/Madrid 30 2 * * *', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'],
    ['CRON_TZ=Europe/Madrid 30 2 * * *', '2026-10-25T01:30:00Z', '2026-10-26T01:30:00Z'],
  ])('"%s" after %s runs at %s', (expression, after, expected) => {
    expect(parseCron(expression).next(new Date(after)).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('reads names in any case, in ranges and lists, and "?" like "*"', () => {
    expect(runs('0 12 * * MON-fri', '2026-01-09T13:00:00Z', 2)).toEqual(['2026-01-12T12:00:00.000Z', '2026-01-13T12:00:00.000Z']);
    expect(runs('0 0 1 jan,JUL ?', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    // An empty list item is skipped, as robfig's comma split does.
    expect(runs('0 1,,2 * * *', '2026-01-05T00:00:00Z', 2)).toEqual(['2026-01-05T01:00:00.000Z', '2026-01-05T02:00:00.000Z']);
  });

  it.each([
    // robfig's own error cases
    ['xyz', 'must have 5 fields'],
    ['60 0 * * *', 'minute "60" ends above 59'],
    ['0 60 * * *', 'hour "60" ends above 23'],
    ['0 0 * * XYZ', 'day of week "XYZ" is not a number or a name'],
    // and the rest of what its parser or the PingSource webhook refuses
    ['@every 1h', '@every is not supported by a PingSource'],
    ['CRON_TZ=Europe/Madrid @every 5m', '@every is not supported'],
    ['@fortnightly', 'unknown descriptor "@fortnightly"'],
    ['1 */4 * *', 'must have 5 fields (minute hour day-of-month month day-of-week), has 4'],
    ['1 */4 * * * *', 'has 6'],
    ['0 0 * * 7', 'day of week "7" ends above 6'],
    ['0 0 0 * *', 'day of month "0" starts below 1'],
    ['0 0 * 13 *', 'month "13" ends above 12'],
    ['0 9-5 * * *', 'hour "9-5" starts after its end'],
    ['*/0 * * * *', 'minute "*/0" has a step of 0'],
    ['0 1-2-3 * * *', 'hour "1-2-3" has more than one "-"'],
    ['0 */2/3 * * *', 'hour "*/2/3" has more than one "/"'],
    ['0 */x * * *', 'hour "*/x" has the step "x", not a number'],
    ['0 MON * * *', 'hour "MON" is not a number'],
    ['CRON_TZ=Mars/Olympus 0 0 * * *', '"Mars/Olympus" is not an IANA timezone'],
  ])('refuses "%s"', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});

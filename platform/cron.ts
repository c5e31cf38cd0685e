// Cron as a Knative PingSource reads it: PingSource validates and runs its schedule with
// robfig/cron v3's standard parser, and refuses `@every` itself. So: five fields (minute hour
// day-of-month month day-of-week) of `*`, `?`, `n`, `a-b`, `n/step`, `a-b/step` and lists,
// month and weekday names (JAN–DEC, SUN–SAT, any case), weekdays 0–6 only; the descriptors
// @yearly/@annually, @monthly, @weekly, @daily/@midnight and @hourly; an optional
// `CRON_TZ=<zone> ` (or `TZ=<zone> `) prefix, else UTC, the PingSource adapter's clock. Day of
// month and day of week combine as robfig does: when either field is unrestricted (it starts
// with `*` or `?` and has no step above 1) both must match, otherwise either one is enough.
// The local runtime schedules with it, and the API's staleness threshold is derived from the
// gaps between its runs. It must never accept a schedule the API server would refuse.
import { localTimeToUtc, wallClock } from '../functions/lib/forecast/time.ts';

export interface CronSchedule {
  readonly expression: string;
  /** The IANA timezone the fields are read in. */
  readonly timezone: string;
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const fields: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The descriptors robfig's standard parser knows, as the five fields they stand for. */
const descriptors: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The values a field allows, and whether it leaves its day field unrestricted (robfig's star bit). */
interface ParsedField {
  values: Set<number>;
  star: boolean;
}

export function parseCron(expression: string): CronSchedule {
  const fail = (why: string) => new Error(`cron "${expression}": ${why}`);
  if (expression.includes('@every')) throw fail('@every is not supported by a PingSource; write the interval as fields, e.g. "*/15 * * * *"');
  let spec = expression;
  let timezone = 'UTC';
  const zone = /^(?:CRON_TZ|TZ)=(\S*)\s/.exec(spec);
  if (zone) {
    timezone = zone[1] ?? '';
    if (!isTimezone(timezone)) throw fail(`"${timezone}" is not an IANA timezone (e.g. Europe/Madrid)`);
    spec = spec.slice(zone[0].length).trim();
  }
  if (spec.startsWith('@')) {
    const fivefields = descriptors[spec];
    if (!fivefields) throw fail(`unknown descriptor "${spec}"; known: ${Object.keys(descriptors).join(', ')}`);
    spec = fivefields;
  }
  const parts = spec.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw fail(`must have 5 fields (minute hour day-of-month month day-of-week), has ${parts.length}`);
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(part, fields[i] as Field, fail)) as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];

  const dayMatches = (local: Date) => {
    const dom = days.values.has(local.getUTCDate());
    const dow = weekdays.values.has(local.getUTCDay());
    return days.star || weekdays.star ? dom && dow : dom || dow;
  };
  const read = (t: Date) => (timezone === 'UTC' ? t : wallClock(t, timezone));

  return {
    expression,
    timezone,
    next(after) {
      // Whole minutes, walked forward in real time and matched on the zone's wall clock: an hour
      // the clocks skip never matches, and one they repeat matches twice, as in robfig's Next.
      let t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        const local = read(t);
        if (!months.values.has(local.getUTCMonth() + 1) || !dayMatches(local)) {
          // At least a minute on: where a zone repeats midnight, the next day's can lie behind.
          t = new Date(Math.max(startOfNextDay(local, timezone).getTime(), t.getTime() + 60_000));
        } else if (!hours.values.has(local.getUTCHours())) {
          t = new Date(t.getTime() - local.getUTCMinutes() * 60_000 + 3_600_000);
        } else if (!minutes.values.has(local.getUTCMinutes())) {
          t = new Date(t.getTime() + 60_000);
        } else {
          return t;
        }
      }
      throw new Error(`cron "${expression}" never runs`);
    },
  };
}

/** The first instant of the day after `local`'s, in `timezone` (its first existing minute where midnight is skipped). */
function startOfNextDay(local: Date, timezone: string): Date {
  const tomorrow = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1));
  if (timezone === 'UTC') return tomorrow;
  return localTimeToUtc(tomorrow.toISOString().slice(0, 16), timezone) as Date;
}

function parseField(part: string, field: Field, fail: (why: string) => Error): ParsedField {
  const values = new Set<number>();
  let star = false;
  const bad = (item: string, why: string) => fail(`${field.name} "${item}" ${why}`);
  const number = (text: string, item: string) => {
    const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + (field.name === 'month' ? 1 : 0);
    if (!/^\+?\d+$/.test(text)) throw bad(item, `is not a number${field.names ? ` or a name (${field.names.join(', ')})` : ''}`);
    return Number(text);
  };
  // robfig splits on commas and skips empty items.
  for (const item of part.split(',').filter((i) => i !== '')) {
    const [range = '', stepText, ...moreSlashes] = item.split('/');
    if (moreSlashes.length > 0) throw bad(item, 'has more than one "/"');
    const bounds = range.split('-');
    let from: number;
    let to: number;
    let itemStar = false;
    if (bounds[0] === '*' || bounds[0] === '?') {
      [from, to, itemStar] = [field.min, field.max, true];
    } else if (bounds.length === 1 || bounds.length === 2) {
      from = number(bounds[0] ?? '', item);
      to = bounds.length === 2 ? number(bounds[1] ?? '', item) : from;
    } else {
      throw bad(item, 'has more than one "-"');
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\+?\d+$/.test(stepText)) throw bad(item, `has the step "${stepText}", not a number`);
      step = Number(stepText);
      // "n/step" means n to the end of the range.
      if (bounds.length === 1) to = field.max;
      if (step > 1) itemStar = false;
    }
    if (from < field.min) throw bad(item, `starts below ${field.min}`);
    if (to > field.max) throw bad(item, `ends above ${field.max}`);
    if (from > to) throw bad(item, `starts after its end`);
    if (step === 0) throw bad(item, 'has a step of 0');
    for (let v = from; v <= to; v += step) values.add(v);
    star ||= itemStar;
  }
  return { values, star };
}

function isTimezone(name: string): boolean {
  if (name === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The longest gap between consecutive runs over the next two weeks, in seconds. */
export function longestInterval(schedule: CronSchedule, from = new Date(Date.UTC(2026, 0, 5))): number {
  let longest = 0;
  let previous = schedule.next(from);
  const end = from.getTime() + 14 * 86_400_000;
  while (previous.getTime() < end) {
    const next = schedule.next(previous);
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return longest / 1000;
}

// Five-field cron (minute hour day-of-month month day-of-week, UTC), as a Knative PingSource
// reads it: `*`, `*/n`, `a-b`, `a-b/n` and lists. The local runtime schedules with it, and the
// API's staleness threshold is derived from the gaps between its runs.

export interface CronSchedule {
  readonly expression: string;
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

const fields = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}" must have 5 fields (minute hour day-of-month month day-of-week), has ${parts.length}`);
  const sets = parts.map((part, i) => parseField(part, fields[i] as (typeof fields)[number], expression));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  // As in Vixie cron, a field starting with "*" (also "*/2") does not restrict the day.
  const dayRestricted = !parts[2]?.startsWith('*');
  const weekdayRestricted = !parts[4]?.startsWith('*');
  const dayMatches = (d: Date) => {
    const dom = days.has(d.getUTCDate());
    const dow = weekdays.has(d.getUTCDay());
    // Classic cron: when both are restricted, either one matching is enough.
    if (dayRestricted && weekdayRestricted) return dom || dow;
    return dom && dow;
  };
  return {
    expression,
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getUTCMonth() + 1) || !dayMatches(t)) {
          t.setUTCHours(24, 0, 0, 0);
          continue;
        }
        if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minutes.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return t;
      }
      throw new Error(`cron "${expression}" never runs`);
    },
  };
}

function parseField(part: string, field: (typeof fields)[number], expression: string): Set<number> {
  const values = new Set<number>();
  const bad = (why: string) => new Error(`cron "${expression}": ${field.name} "${part}" ${why}`);
  for (const item of part.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw bad('is not *, n, a-b or a list of them, with an optional /step');
    const step = m[4] === undefined ? 1 : Number(m[4]);
    const from = m[1] === '*' ? field.min : Number(m[2]);
    const to = m[1] === '*' ? field.max : m[3] === undefined ? (m[4] === undefined ? from : field.max) : Number(m[3]);
    if (step < 1) throw bad('has a step below 1');
    if (from < field.min || to > field.max || from > to) throw bad(`is outside ${field.min}-${field.max}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
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

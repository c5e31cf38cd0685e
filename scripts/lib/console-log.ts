// The CLI's view of structured log lines: on a terminal, one short readable line each; in CI or
// when piped, the JSON lines unchanged, for machines.
import { createLogger, type Logger, type LogLevel } from '../../functions/lib/runtime/log.ts';

const colours: Record<string, string> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

export function consoleLogger(fields: Record<string, unknown> = {}, level?: LogLevel | 'silent'): Logger {
  const human = process.stdout.isTTY && !process.env.CI;
  if (!human) return createLogger(fields, level ? { level } : {});
  return createLogger(fields, {
    ...(level ? { level } : {}),
    write(line) {
      const { time, level: lvl, msg, function: fn, component, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const who = String(fn ?? component ?? '');
      const extras = Object.entries(rest)
        .filter(([k]) => k !== 'traceid' && k !== 'eventid')
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      const colour = colours[String(lvl)] ?? '';
      process.stdout.write(`\x1b[2m${String(time).slice(11, 19)}\x1b[0m ${colour}${who.padEnd(17)}\x1b[0m ${String(msg)} \x1b[2m${extras}\x1b[0m\n`);
    },
  });
}

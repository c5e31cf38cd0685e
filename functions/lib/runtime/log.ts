// Structured logs: one JSON object per line on stdout, the format a cluster's log pipeline
// parses. Functions never print prose; the CLI scripts turn these into human output.
// A line never carries a secret: passwords in URLs and bearer tokens are masked, wherever they
// appear (an error message from a driver, a stack, a field).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** @default process.env.LOG_LEVEL ?? 'info' */
  level?: LogLevel | 'silent';
  /** @default a line to process.stdout */
  write?: (line: string) => void;
}

export function createLogger(fields: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const threshold = order[options.level ?? (process.env.LOG_LEVEL as LogLevel | 'silent' | undefined) ?? 'info'] ?? order.info;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => {
    if (order[level] < threshold) return;
    write(redactSecrets(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields, ...extra }, errorReplacer)));
  };
  return {
    debug: (msg, extra) => emit('debug', msg, extra),
    info: (msg, extra) => emit('info', msg, extra),
    warn: (msg, extra) => emit('warn', msg, extra),
    error: (msg, extra) => emit('error', msg, extra),
    child: (more) => createLogger({ ...fields, ...more }, options),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Masks the password of `scheme://user:password@host` and the token of `Bearer <token>`. */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@"/]+@/gi, '$1***@').replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
}

// Command-line options of the scripts. Each command declares one table of its options; the
// parsing (node:util parseArgs, strict), the --help text and every refusal come from that table.
// It must never guess: an option the table does not name, a missing value or a value not allowed
// stops the command before it does anything (exit 2), naming the closest option it does know,
// so a mistyped `--dry-run` can never run the real thing.
import { parseArgs } from 'node:util';
import { runMain, UsageError } from './cli.ts';

export interface BooleanOption {
  type: 'boolean';
  /** One letter, for `-x`. */
  short?: string;
  /** One line for --help. A boolean option is off unless given. */
  description: string;
}

export interface StringOption {
  type: 'string';
  short?: string;
  /** One line for --help. Say here where a default comes from when it is not a fixed value. */
  description: string;
  /** What the value is, for --help: `--out <dir>`. @default 'value' (or the choices) */
  value?: string;
  /** Applied when the option is not given; --help shows it. */
  default?: string;
  /** The command cannot run without it. @default false */
  required?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  /** Why the value is refused (e.g. "must be os/architecture"), or undefined when it is fine. */
  check?: (value: string) => string | undefined;
}

export type Option = BooleanOption | StringOption;
export type OptionTable = Readonly<Record<string, Option>>;

export interface Argument {
  /** As --help shows it: `<name>`. */
  name: string;
  description: string;
}

export interface CommandSpec<T extends OptionTable = OptionTable, A extends readonly Argument[] = readonly Argument[]> {
  /** What comes before the options on the command line: `npm run render --`. */
  run: string;
  /** What the command does; its first line is its summary in a list of commands. */
  description: string;
  /** Required positional arguments, in order. @default none */
  arguments?: A;
  options: T;
  /** Whole command lines for --help's "examples:", the most common first. @default none */
  examples?: readonly string[];
}

type ValueOf<O> = O extends { type: 'boolean' }
  ? boolean
  : (O extends { choices: readonly (infer C)[] } ? C : string) | (O extends { default: string } | { required: true } ? never : undefined);

export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

export interface ParsedCommand<T extends OptionTable, A extends readonly Argument[]> {
  values: OptionValues<T>;
  arguments: { [N in A[number]['name']]: string };
}

export interface CommandGroup<C extends Readonly<Record<string, CommandSpec<OptionTable, readonly Argument[]>>>> {
  /** What comes before the subcommand: `node scripts/platform.ts`. */
  run: string;
  description: string;
  commands: C;
  /** Whole command lines for --help's "examples:". @default none */
  examples?: readonly string[];
}

type ParsedOf<S> = S extends CommandSpec<infer T, infer A> ? ParsedCommand<T, A> : never;

/** Declares a command; `const` keeps the table's literal types, so `choices` become the value's type. */
export function command<const T extends OptionTable, const A extends readonly Argument[] = readonly []>(spec: CommandSpec<T, A>): CommandSpec<T, A> {
  for (const [name, option] of Object.entries(spec.options)) {
    if (name === 'help' || name === 'debug') throw new Error(`${spec.run}: --${name} is every command's own; the table must not declare it`);
    if (option.short !== undefined && !/^[a-zA-Z]$/.test(option.short)) throw new Error(`${spec.run}: --${name}'s short alias must be one letter, not "${option.short}"`);
    if (option.short === 'h') throw new Error(`${spec.run}: -h is --help; give --${name} another letter`);
  }
  return spec;
}

const helpOption: BooleanOption = { type: 'boolean', short: 'h', description: 'print this help and exit' };
const debugOption: BooleanOption = { type: 'boolean', description: 'on an error, print its stack and causes too' };

/** Whether the command line asks for --debug: read before parsing, so a refused line honours it too. */
export const wantsDebug = (args: readonly string[]): boolean => args.includes('--debug');

/** The command line read against the table: its values, or 'help' when --help or -h is on it. Throws UsageError. */
export function parseCommandLine<T extends OptionTable, A extends readonly Argument[]>(spec: CommandSpec<T, A>, args: readonly string[]): ParsedCommand<T, A> | 'help' {
  const table: Record<string, Option> = { ...spec.options, help: helpOption, debug: debugOption };
  const config = Object.fromEntries(Object.entries(table).map(([name, o]) => [name, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]));
  // A first, lenient reading: --help wins over anything wrong beside it, and when the strict
  // reading refuses the line, this one says which option was wrong.
  const { tokens } = parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return 'help';
  const expected = spec.arguments ?? [];
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; strict: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...args], options: config, strict: true, allowPositionals: expected.length > 0 });
  } catch (error) {
    throw explainRefusal(error, tokens, table, spec);
  }
  const { values: given, positionals } = parsed;
  if (positionals.length > expected.length) throw usage(spec, `unexpected argument ${JSON.stringify(positionals[expected.length])}: ${takes(spec)}`);
  const missing = expected[positionals.length];
  if (missing) throw usage(spec, `missing <${missing.name}>: ${missing.description}`);

  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.type === 'boolean') {
      values[name] = given[name] === true;
      continue;
    }
    const value = (given[name] as string | undefined) ?? option.default;
    if (value === undefined) {
      if (option.required) throw usage(spec, `${flagWithValue(name, option)} is required: ${option.description}`);
    } else if (option.choices && !option.choices.includes(value)) {
      const near = closest(value, option.choices);
      throw usage(spec, `--${name} must be one of ${option.choices.join(', ')}, not ${JSON.stringify(value)}${near ? `; did you mean ${near}?` : ''}`);
    } else {
      const problem = option.check?.(value);
      if (problem !== undefined) throw usage(spec, `--${name} ${problem}, not ${JSON.stringify(value)}`);
    }
    values[name] = value;
  }
  const namedArguments = Object.fromEntries(expected.map((a, i) => [a.name, positionals[i]]));
  return { values, arguments: namedArguments } as unknown as ParsedCommand<T, A>;
}

type Token = ReturnType<typeof parseArgs<{ tokens: true; strict: false }>>['tokens'][number];

function explainRefusal(error: unknown, tokens: readonly Token[], table: Record<string, Option>, spec: CommandSpec<OptionTable, readonly Argument[]>): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return error;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(table, token.name) ? table[token.name] : undefined;
    if (!option) {
      const near = token.rawName.startsWith('--') ? closest(token.name, Object.keys(spec.options)) : undefined;
      return usage(spec, `unknown option ${token.rawName}${near ? `; did you mean --${near}?` : ''}`);
    }
    if (option.type === 'boolean' && token.value !== undefined) return usage(spec, `--${token.name} is a switch and takes no value (got ${JSON.stringify(`${token.rawName}=${token.value}`)})`);
    if (option.type === 'string' && token.value === undefined) return usage(spec, `${token.rawName} needs a value: ${flagWithValue(token.name, option)}`);
    if (option.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return usage(spec, `${token.rawName} needs a value, and ${JSON.stringify(token.value)} looks like an option; a value that starts with a dash is written --${token.name}=${token.value}`);
    }
  }
  const positional = tokens.find((t) => t.kind === 'positional');
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional) return usage(spec, `unexpected argument ${JSON.stringify(positional.value)}: ${takes(spec)}`);
  return usage(spec, (error as Error).message);
}

function takes(spec: CommandSpec<OptionTable, readonly Argument[]>): string {
  const expected = spec.arguments ?? [];
  return `${spec.run.replace(/ --$/, '')} takes ${expected.length ? `${expected.map((a) => `<${a.name}>`).join(' ')} and ` : ''}options only`;
}

function usage(spec: { run: string }, message: string): UsageError {
  return new UsageError(message, `see ${spec.run} --help`);
}

function flagWithValue(name: string, option: StringOption): string {
  return `--${name} <${option.value ?? option.choices?.join('|') ?? 'value'}>`;
}

/** --help: the usage line, what the command does, and each option with its description and default. */
export function helpText(spec: CommandSpec<OptionTable, readonly Argument[]>): string {
  const expected = spec.arguments ?? [];
  const required = Object.entries(spec.options).filter(([, o]) => o.type === 'string' && o.required);
  const line = [spec.run, ...expected.map((a) => `<${a.name}>`), ...required.map(([name, o]) => flagWithValue(name, o as StringOption)), '[options]'];
  const rows: [string, string][] = expected.map((a) => [`<${a.name}>`, a.description]);
  for (const [name, option] of [...Object.entries(spec.options), ['debug', debugOption] as const, ['help', helpOption] as const]) {
    const flag = `${option.short ? `-${option.short}, ` : '    '}${option.type === 'string' ? flagWithValue(name, option) : `--${name}`}`;
    const notes =
      option.type === 'string'
        ? [option.required ? 'required' : undefined, option.value && option.choices ? `one of: ${option.choices.join(', ')}` : undefined, option.default !== undefined ? `default: ${option.default}` : undefined].filter(Boolean)
        : [];
    rows.push([flag, `${option.description}${notes.length ? ` (${notes.join('; ')})` : ''}`]);
  }
  const width = Math.max(...rows.map(([left]) => left.length));
  const table = rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  const argumentRows = table.splice(0, expected.length);
  return [
    `usage: ${line.join(' ')}`,
    '',
    spec.description,
    ...(argumentRows.length ? ['', 'arguments:', ...argumentRows] : []),
    '',
    'options:',
    ...table,
    ...examplesText(spec.examples),
    '',
  ].join('\n');
}

function examplesText(examples: readonly string[] | undefined): string[] {
  return examples?.length ? ['', 'examples:', ...examples.map((e) => `  ${e}`)] : [];
}

/** --help of a command with subcommands: each subcommand with its summary. */
export function groupHelpText(group: CommandGroup<Readonly<Record<string, CommandSpec<OptionTable, readonly Argument[]>>>>): string {
  const names = Object.keys(group.commands);
  const width = Math.max(...names.map((n) => n.length));
  return [
    `usage: ${group.run} <${names.join('|')}> [options]`,
    '',
    group.description,
    '',
    'commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${group.commands[name]!.description.split('\n')[0]}  (${group.commands[name]!.run.replace(/ --$/, '')})`),
    '',
    `each command's options: ${group.run} <command> --help`,
    ...examplesText(group.examples),
    '',
  ].join('\n');
}

/** The subcommand (the first argument) and the rest of the line read against its own table. Throws UsageError. */
export function parseSubcommand<C extends Readonly<Record<string, CommandSpec<OptionTable, readonly Argument[]>>>>(
  group: CommandGroup<C>,
  args: readonly string[],
): { [K in keyof C & string]: { name: K; parsed: ParsedOf<C[K]> | 'help' } }[keyof C & string] | 'help' {
  const [first, ...rest] = args;
  const names = Object.keys(group.commands);
  const next = `see ${group.run} --help`;
  if (first === '--help' || first === '-h') return 'help';
  if (first === undefined) throw new UsageError(`which command? one of ${names.join(', ')}`, next);
  if (first.startsWith('-')) throw new UsageError(`the command comes first, before ${first}: ${group.run} <${names.join('|')}> [options]`, next);
  const spec = Object.hasOwn(group.commands, first) ? group.commands[first] : undefined;
  if (!spec) {
    const near = closest(first, names);
    throw new UsageError(`unknown command ${JSON.stringify(first)}${near ? `; did you mean ${near}?` : ''}`, next);
  }
  return { name: first, parsed: parseCommandLine(spec, rest) } as never;
}

/** Reads the command line, then runs `main` with its values; --help prints and exits 0; a refused line exits 2. */
export async function runCommand<T extends OptionTable, A extends readonly Argument[]>(
  spec: CommandSpec<T, A>,
  main: (parsed: ParsedCommand<T, A>) => Promise<void>,
  args: readonly string[] = process.argv.slice(2),
): Promise<void> {
  await runMain(async () => {
    const parsed = parseCommandLine(spec, args);
    if (parsed === 'help') return void process.stdout.write(helpText(spec));
    await main(parsed);
  }, { debug: wantsDebug(args) });
}

/** runCommand for a command with subcommands: one handler per subcommand, each given its own table's values. */
export async function runSubcommands<C extends Readonly<Record<string, CommandSpec<OptionTable, readonly Argument[]>>>>(
  group: CommandGroup<C>,
  handlers: { [K in keyof C & string]: (parsed: ParsedOf<C[K]>) => Promise<void> },
  args: readonly string[] = process.argv.slice(2),
): Promise<void> {
  await runMain(async () => {
    const chosen = parseSubcommand(group, args);
    if (chosen === 'help') return void process.stdout.write(groupHelpText(group));
    if (chosen.parsed === 'help') return void process.stdout.write(helpText(group.commands[chosen.name]!));
    await (handlers[chosen.name] as (parsed: unknown) => Promise<void>)(chosen.parsed);
  }, { debug: wantsDebug(args) });
}

/** The candidate nearest to what was typed, when near enough to be what was meant. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (best && best.distance <= Math.max(1, Math.floor(word.length / 3))) return best.candidate;
  // An abbreviation of exactly one option (--keep for --keep-data).
  const extending = word.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(word)) : [];
  return extending.length === 1 ? extending[0] : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b: optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

// One option table per command gives the parsing, the --help text and the refusals: an unknown
// option names the closest known one, and anything the table does not allow exits 2 before the
// command runs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fail, UsageError } from './cli.ts';
import { closest, command, editDistance, helpText, parseCommandLine, parseSubcommand, runCommand, runSubcommands } from './options.ts';

const deploy = command({
  run: 'npm run example --',
  description: 'Deploys the example.',
  arguments: [{ name: 'file', description: 'the file to deploy' }],
  options: {
    'dry-run': { type: 'boolean', description: 'print what it would do' },
    'keep-data': { type: 'boolean', short: 'k', description: 'keep the volumes' },
    out: { type: 'string', value: 'dir', required: true, description: 'where to write' },
    registry: { type: 'string', value: 'host:port', default: 'localhost:32000', description: 'the registry' },
    target: { type: 'string', choices: ['microk8s', 'minikube'], description: 'the cluster kind' },
    port: { type: 'string', check: (v) => (/^\d+$/.test(v) ? undefined : 'must be a number'), description: 'the port' },
  },
});

function refusal(args: string[]): UsageError {
  try {
    parseCommandLine(deploy, args);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`${args.join(' ')} was accepted`);
}

describe('parseCommandLine', () => {
  it('reads the table: switches off unless given, defaults applied, values in either form, short aliases', () => {
    expect(parseCommandLine(deploy, ['a.yaml', '--out', 'dir'])).toEqual({
      values: { 'dry-run': false, 'keep-data': false, out: 'dir', registry: 'localhost:32000', target: undefined, port: undefined },
      arguments: { file: 'a.yaml' },
    });
    const parsed = parseCommandLine(deploy, ['--dry-run', '-k', '--out=o', '--registry', 'r:5000', '--target', 'minikube', '--port', '80', 'b.yaml']);
    expect(parsed).toEqual({ values: { 'dry-run': true, 'keep-data': true, out: 'o', registry: 'r:5000', target: 'minikube', port: '80' }, arguments: { file: 'b.yaml' } });
  });

  it('refuses an unknown option, naming the closest known one and --help', () => {
    const error = refusal(['a.yaml', '--out', 'o', '--dryrun']);
    expect(error.message).toBe('unknown option --dryrun; did you mean --dry-run?');
    expect(error.next).toBe('see npm run example -- --help');
    expect(error.exitCode).toBe(2);
    expect(refusal(['a.yaml', '--out', 'o', '--DRY-RUN']).message).toBe('unknown option --DRY-RUN; did you mean --dry-run?');
    expect(refusal(['a.yaml', '--out', 'o', '--keep']).message).toBe('unknown option --keep; did you mean --keep-data?');
    expect(refusal(['a.yaml', '--out', 'o', '--regsitry=x']).message).toBe('unknown option --regsitry; did you mean --registry?');
    expect(refusal(['a.yaml', '--out', 'o', '--verbose']).message).toBe('unknown option --verbose');
    expect(refusal(['a.yaml', '--out', 'o', '-x']).message).toBe('unknown option -x');
  });

  it('refuses a missing value, a value not allowed, a value for a switch and a missing required option', () => {
    expect(refusal(['a.yaml', '--out']).message).toBe('--out needs a value: --out <dir>');
    expect(refusal(['a.yaml', '--out', '--dry-run']).message).toMatch(/^--out needs a value, and "--dry-run" looks like an option/);
    expect(refusal(['a.yaml', '--out', 'o', '--target', 'minicube']).message).toBe('--target must be one of microk8s, minikube, not "minicube"; did you mean minikube?');
    expect(refusal(['a.yaml', '--out', 'o', '--port', 'eighty']).message).toBe('--port must be a number, not "eighty"');
    expect(refusal(['a.yaml', '--out', 'o', '--dry-run=false']).message).toBe('--dry-run is a switch and takes no value (got "--dry-run=false")');
    expect(refusal(['a.yaml']).message).toBe('--out <dir> is required: where to write');
    for (const args of [['a.yaml', '--out'], ['a.yaml', '--out', 'o', '--target', 'x'], ['a.yaml']]) expect(refusal(args).exitCode).toBe(2);
  });

  it('refuses a missing or an extra argument', () => {
    expect(refusal(['--out', 'o']).message).toBe('missing <file>: the file to deploy');
    expect(refusal(['a.yaml', 'b.yaml', '--out', 'o']).message).toBe('unexpected argument "b.yaml": npm run example takes <file> and options only');
    const noArguments = command({ run: 'npm run plain --', description: 'Plain.', options: { small: { type: 'boolean', description: 'small' } } });
    expect(() => parseCommandLine(noArguments, ['bootstrap'])).toThrow('unexpected argument "bootstrap": npm run plain takes options only');
  });

  it('answers --help or -h wherever it is, even beside a mistake', () => {
    expect(parseCommandLine(deploy, ['--help'])).toBe('help');
    expect(parseCommandLine(deploy, ['--dryrun', '-h'])).toBe('help');
  });

  it('writes --help from the table: the usage line, the description, each option with its description and default', () => {
    const text = helpText(deploy);
    expect(text.split('\n').slice(0, 3)).toEqual(['usage: npm run example -- <file> --out <dir> [options]', '', 'Deploys the example.']);
    expect(text).toMatch(/^ {2}<file> +the file to deploy$/m);
    expect(text).toMatch(/^ {6}--dry-run +print what it would do$/m);
    expect(text).toMatch(/^ {2}-k, --keep-data +keep the volumes$/m);
    expect(text).toMatch(/^ {6}--out <dir> +where to write \(required\)$/m);
    expect(text).toMatch(/^ {6}--registry <host:port> +the registry \(default: localhost:32000\)$/m);
    expect(text).toMatch(/^ {6}--target <microk8s\|minikube> +the cluster kind$/m);
    expect(text).toMatch(/^ {2}-h, --help +print this help and exit$/m);
  });

  it('keeps --help and -h to itself', () => {
    expect(() => command({ run: 'x', description: 'x', options: { help: { type: 'boolean', description: 'mine' } } })).toThrow(/--help is every command's own/);
    expect(() => command({ run: 'x', description: 'x', options: { host: { type: 'string', short: 'h', description: 'mine' } } })).toThrow(/-h is --help/);
  });
});

describe('closest', () => {
  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('dryrun', 'dry-run')).toBe(1);
    expect(editDistance('tagret', 'target')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only what is near enough', () => {
    const names = ['dry-run', 'target', 'small', 'skip-addons', 'kubeconfig'];
    expect(closest('tagret', names)).toBe('target');
    expect(closest('smal', names)).toBe('small');
    expect(closest('skipaddons', names)).toBe('skip-addons');
    expect(closest('verbose', names)).toBeUndefined();
    expect(closest('s', names)).toBeUndefined();
  });
});

const group = {
  run: 'node scripts/example.ts',
  description: 'Example commands.',
  commands: {
    up: command({ run: 'npm run up --', description: 'Starts it.', options: { profile: { type: 'string', choices: ['default', 'small'], description: 'the shape' } } }),
    down: command({ run: 'npm run down --', description: 'Stops it.\nMore detail.', options: { 'keep-data': { type: 'boolean', description: 'keep the data' } } }),
  },
};

describe('parseSubcommand', () => {
  it('reads each subcommand against its own table', () => {
    expect(parseSubcommand(group, ['up', '--profile', 'small'])).toEqual({ name: 'up', parsed: { values: { profile: 'small' }, arguments: {} } });
    expect(parseSubcommand(group, ['down', '--keep-data'])).toEqual({ name: 'down', parsed: { values: { 'keep-data': true }, arguments: {} } });
    expect(() => parseSubcommand(group, ['up', '--keep-data'])).toThrow('unknown option --keep-data');
    expect(parseSubcommand(group, ['down', '--help'])).toEqual({ name: 'down', parsed: 'help' });
    expect(parseSubcommand(group, ['-h'])).toBe('help');
  });

  it('refuses a missing, a misplaced or an unknown command, naming the closest', () => {
    const refused = (args: string[]) => {
      try {
        parseSubcommand(group, args);
      } catch (error) {
        return error as UsageError;
      }
      throw new Error('accepted');
    };
    expect(refused([]).message).toBe('which command? one of up, down');
    expect(refused(['--keep-data', 'down']).message).toMatch(/^the command comes first, before --keep-data/);
    const unknown = refused(['donw']);
    expect(unknown.message).toBe('unknown command "donw"; did you mean down?');
    expect(unknown.next).toBe('see node scripts/example.ts --help');
    expect(unknown.exitCode).toBe(2);
  });
});

describe('runCommand and runSubcommands', () => {
  let stdout: string;
  let stderr: string;
  let main: ReturnType<typeof vi.fn<(parsed: unknown) => Promise<void>>>;
  beforeEach(() => {
    stdout = '';
    stderr = '';
    main = vi.fn(async () => {});
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
      stderr += `${parts.join(' ')}\n`;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints --help to stdout with exit code 0, and runs nothing', async () => {
    await runCommand(deploy, main, ['--help']);
    expect(stdout).toBe(helpText(deploy));
    expect(stderr).toBe('');
    expect(process.exitCode).toBeUndefined();
    expect(main).not.toHaveBeenCalled();
  });

  it('refuses an unknown option on stderr with exit code 2, and runs nothing', async () => {
    await runCommand(deploy, main, ['a.yaml', '--out', 'o', '--dryrun']);
    expect(stderr).toBe('error: unknown option --dryrun; did you mean --dry-run?\nnext: see npm run example -- --help\n');
    expect(stdout).toBe('');
    expect(process.exitCode).toBe(2);
    expect(main).not.toHaveBeenCalled();
  });

  it('runs the command with its values; a failure in it exits 1', async () => {
    await runCommand(deploy, main, ['a.yaml', '--out', 'o']);
    expect(main).toHaveBeenCalledWith(expect.objectContaining({ arguments: { file: 'a.yaml' } }));
    expect(process.exitCode).toBeUndefined();
    await runCommand(deploy, async () => fail('the registry is down'), ['a.yaml', '--out', 'o']);
    expect(process.exitCode).toBe(1);
  });

  it('gives each subcommand its handler and its own --help', async () => {
    const down = vi.fn(async () => {});
    await runSubcommands(group, { up: main, down }, ['down', '--keep-data']);
    expect(down).toHaveBeenCalledWith({ values: { 'keep-data': true }, arguments: {} });
    await runSubcommands(group, { up: main, down }, ['up', '--help']);
    expect(stdout).toMatch(/^usage: npm run up -- \[options\]\n/);
    await runSubcommands(group, { up: main, down }, ['--help']);
    expect(stdout).toContain('usage: node scripts/example.ts <up|down> [options]');
    expect(stdout).toMatch(/^ {2}down +Stops it\. +\(npm run down\)$/m);
    expect(process.exitCode).toBeUndefined();
    await runSubcommands(group, { up: main, down }, ['up', '--profile', 'tiny']);
    expect(process.exitCode).toBe(2);
    expect(main).not.toHaveBeenCalled();
  });
});

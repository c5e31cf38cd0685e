// The CLI's two kinds of error: an ActionableError (platform/actionable-error.ts) is for the
// user: `fail()` throws one, and registry, cluster, wait and bootstrap errors are ones. runMain
// prints it as one paragraph (what was found, then the next command) without a stack. Anything
// else is a bug and keeps its stack. `--debug` prints the stack and causes of every error.
// A command line the command cannot take (an unknown option, a missing value) is a UsageError:
// exit code 2, so a script can tell "you called it wrong" from "it ran and failed" (1).
import { inspect } from 'node:util';
import { ActionableError, nextStepOf } from '../../platform/actionable-error.ts';

export class UsageError extends ActionableError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
  constructor(message: string, next?: string) {
    super(message, { next });
  }
}

export function fail(message: string, next?: string): never {
  throw new ActionableError(message, { next });
}

export interface MainOptions {
  /** Print the stack and causes of user errors too. @default false */
  debug?: boolean;
}

export async function runMain(main: () => Promise<void>, options: MainOptions = {}): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ActionableError) {
      const next = nextStepOf(error);
      console.error(`error: ${error.message}${next ? `\nnext: ${next}` : ''}`);
      if (options.debug) console.error(inspect(error, { depth: 6 }));
      process.exitCode = error.exitCode;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  }
}

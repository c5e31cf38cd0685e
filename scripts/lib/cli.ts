// The CLI's two kinds of error: `fail()` is for the user (the rule, the value that broke it,
// the command to run next; printed without a stack); anything else is a bug and keeps its stack.
// A command line the command cannot take (an unknown option, a missing value) is a UsageError:
// exit code 2, so a script can tell "you called it wrong" from "it ran and failed" (1).

export class UserFacingError extends Error {
  override readonly name: string = 'UserFacingError';
  readonly next: string | undefined;
  /** The process's exit code. @default 1 */
  readonly exitCode: number = 1;
  constructor(message: string, next?: string) {
    super(message);
    this.next = next;
  }
}

export class UsageError extends UserFacingError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
}

export function fail(message: string, next?: string): never {
  throw new UserFacingError(message, next);
}

export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UserFacingError) {
      console.error(`error: ${error.message}`);
      if (error.next) console.error(`next: ${error.next}`);
      process.exitCode = error.exitCode;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  }
}

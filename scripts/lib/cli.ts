// The CLI's two kinds of error: `fail()` is for the user (the rule, the value that broke it,
// the command to run next; printed without a stack); anything else is a bug and keeps its stack.

export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  readonly next: string | undefined;
  constructor(message: string, next?: string) {
    super(message);
    this.next = next;
  }
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
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  }
}

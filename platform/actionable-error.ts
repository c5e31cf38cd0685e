// The one base for errors a user acts on: what was found, and the next thing to run or change.
// The CLI's `runMain` prints such an error as one short paragraph, without a stack; anything that
// is not an ActionableError is a bug and keeps its stack. Registry, cluster, wait and bootstrap
// errors extend it, so no script has to recognise each one and convert it by hand.

export class ActionableError extends Error {
  override readonly name: string = 'ActionableError';
  /** The next command to run, or what to change. */
  readonly next: string | undefined;
  /** The process's exit code. @default 1 */
  readonly exitCode: number = 1;
  constructor(message: string, options: { next?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.next = options.next;
  }
}

/** The error's next step, when it or the error it wraps has one. */
export function nextStepOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ActionableError && e.next) return e.next;
  }
  return undefined;
}

// The one place the app reads the current time. Everything that decides something from the
// time (staleness, "today", which sample document to serve, when the schedule fires) takes a
// `Clock` instead of calling `new Date()` itself, so a test can run it at any instant: late
// evening, across midnight in Madrid, on the nights the clocks change.

/** Returns the current instant. */
export type Clock = () => Date;

/** The process's own clock: what runs in the cluster and in `npm run dev`. */
export const systemClock: Clock = () => new Date();

/** A clock that starts at `start` and runs at the real rate from there, as time passes in a test. */
export function clockStartingAt(start: Date | string, real: Clock = systemClock): Clock {
  const offset = new Date(start).getTime() - real().getTime();
  if (Number.isNaN(offset)) throw new Error(`not an instant: ${String(start)}`);
  return () => new Date(real().getTime() + offset);
}

// The dead-letter folder the local broker writes (`<broker dir>/dead-letters/<trigger>/*.json`,
// one DeadLetter each), read back and sent again. Each event is POSTed to a broker ingress (or
// any CloudEvents receiver) and its file is removed only once the receiver answered 2xx, so a
// replay interrupted half-way, or refused, loses nothing: what was not accepted stays for the
// next run. A replayed event goes through the broker's triggers again; the handlers are
// idempotent, so an event replayed twice is stored once.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../functions/lib/errors.ts';
import { CloudEvent, postCloudEvent } from '../../functions/lib/events/cloudevents-http.ts';
import type { DeadLetter } from './broker.ts';

const DeadLetterSchema = z.object({
  trigger: z.string(),
  reason: z.string(),
  status: z.number().nullable(),
  attempts: z.number(),
  failedAt: z.string(),
  event: z.object({ id: z.string().min(1), type: z.string().min(1), source: z.string().min(1), specversion: z.literal('1.0') }).passthrough(),
}) satisfies z.ZodType<DeadLetter>;

export interface StoredDeadLetter {
  file: string;
  letter: DeadLetter;
}

export interface ReplayOutcome {
  file: string;
  trigger: string;
  /** The event's id and type; null when the file could not be read as a dead letter. */
  id: string | null;
  type: string | null;
  /** Why it was dead-lettered in the first place. */
  deadLetterReason: string | null;
}

export interface ReplayReport {
  replayed: ReplayOutcome[];
  /** Left in the folder, with why. */
  kept: (ReplayOutcome & { reason: string })[];
}

export interface ReplayOptions {
  /** The dead-letter folder: `<data dir>/broker/dead-letters`. */
  dir: string;
  /** Where to send each event: a broker ingress URL. */
  target: string;
  /** Only the letters of this trigger. @default every trigger */
  trigger?: string;
  /** List what would be sent, send nothing. @default false */
  dryRun?: boolean;
  /** Per-event timeout. @default 30_000 */
  timeoutMs?: number;
  /** Called after each letter, for progress output. */
  onLetter?: (outcome: ReplayOutcome, result: { replayed: true } | { replayed: false; reason: string }) => void;
}

/** Every file of the folder, oldest first (names start with the time of failure). */
export async function listDeadLetterFiles(dir: string, trigger?: string): Promise<{ trigger: string; file: string }[]> {
  const triggers = trigger ? [trigger] : (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: { trigger: string; file: string }[] = [];
  for (const t of triggers) {
    const names = (await readdir(join(dir, t)).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    files.push(...names.map((n) => ({ trigger: t, file: join(dir, t, n) })));
  }
  return files;
}

export async function readDeadLetter(file: string): Promise<DeadLetter> {
  const parsed = DeadLetterSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`not a dead letter: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data as DeadLetter;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], kept: [] };
  for (const { trigger, file } of await listDeadLetterFiles(options.dir, options.trigger)) {
    const outcome: ReplayOutcome = { file, trigger, id: null, type: null, deadLetterReason: null };
    const keep = (reason: string) => {
      report.kept.push({ ...outcome, reason });
      options.onLetter?.(outcome, { replayed: false, reason });
    };
    let letter: DeadLetter;
    try {
      letter = await readDeadLetter(file);
    } catch (error) {
      keep(`unreadable: ${errorMessage(error)}`);
      continue;
    }
    Object.assign(outcome, { id: letter.event.id as string, type: letter.event.type as string, deadLetterReason: letter.reason });
    if (options.dryRun) {
      keep('dry run');
      continue;
    }
    try {
      const event = new CloudEvent(letter.event as Record<string, unknown> & { type: string; source: string });
      const response = await postCloudEvent(options.target, event, options.timeoutMs ?? 30_000);
      await response.body?.cancel();
    } catch (error) {
      keep(errorMessage(error));
      continue;
    }
    // Accepted: only now is the letter removed.
    await rm(file, { force: true });
    report.replayed.push(outcome);
    options.onLetter?.(outcome, { replayed: true });
  }
  return report;
}

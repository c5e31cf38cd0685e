// What an admin is told when a reload ends. The audit row's `result` is whatever
// download-forecast reported, so it is read defensively.
import { isRecord } from './client.ts';
import type { ReloadRecord } from './types.ts';

export interface ReloadSummary {
  /** "completed" with nothing failed, "partial" when some locations failed, else "failed". */
  outcome: 'completed' | 'partial' | 'failed';
  stored: number;
  unchanged: number;
  failed: { locationId: string; reason: string }[];
  /** A reason for the whole reload (it could not even start), when one was recorded. */
  reason: string | null;
  /** One sentence for the page. */
  message: string;
}

function count(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summarizeReload(record: Pick<ReloadRecord, 'status' | 'result'>): ReloadSummary {
  const result = isRecord(record.result) ? record.result : {};
  const stored = count(result.stored);
  const unchanged = count(result.unchanged);
  const failed = (Array.isArray(result.failed) ? result.failed : [])
    .filter(isRecord)
    .map((f) => ({ locationId: String(f.locationId ?? '?'), reason: String(f.reason ?? 'no reason given') }));
  const reason = typeof result.reason === 'string' ? result.reason : null;
  if (record.status === 'failed') {
    const why = reason ?? (failed.length > 0 ? `${plural(failed.length, 'location', 'locations')} could not be downloaded` : 'no reason was recorded');
    return { outcome: 'failed', stored, unchanged, failed, reason, message: `The reload failed: ${why}.` };
  }
  const parts = [`${plural(stored, 'new forecast', 'new forecasts')} stored`, `${unchanged} unchanged`];
  if (failed.length > 0) parts.push(`${failed.length} failed`);
  return {
    outcome: failed.length > 0 ? 'partial' : 'completed',
    stored,
    unchanged,
    failed,
    reason,
    message: `Reload finished: ${parts.join(', ')}.`,
  };
}

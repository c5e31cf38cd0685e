import { describe, expect, it } from 'vitest';
import { summarizeReload } from './reload-summary.ts';

describe('summarizeReload', () => {
  it('counts what a completed reload stored and left unchanged', () => {
    const summary = summarizeReload({
      status: 'completed',
      result: { stored: [{ locationId: '28079', key: 'a' }], unchanged: [{ locationId: '08019' }, { locationId: '41091' }], failed: [] },
    });
    expect(summary).toMatchObject({ outcome: 'completed', stored: 1, unchanged: 2, failed: [] });
    expect(summary.message).toBe('Reload finished: 1 new forecast stored, 2 unchanged.');
  });

  it('reports the locations that failed in a partly successful reload', () => {
    const summary = summarizeReload({
      status: 'completed',
      result: { stored: [], unchanged: [{ locationId: '08019' }], failed: [{ locationId: '41091', reason: 'HTTP 500 from the provider' }] },
    });
    expect(summary.outcome).toBe('partial');
    expect(summary.failed).toEqual([{ locationId: '41091', reason: 'HTTP 500 from the provider' }]);
    expect(summary.message).toBe('Reload finished: 0 new forecasts stored, 1 unchanged, 1 failed.');
  });

  it('says why a failed reload failed', () => {
    expect(summarizeReload({ status: 'failed', result: { reason: 'the broker did not accept the request' } }).message).toBe(
      'The reload failed: the broker did not accept the request.',
    );
    expect(summarizeReload({ status: 'failed', result: { stored: [], unchanged: [], failed: [{ locationId: 'x', reason: 'r' }] } }).message).toBe(
      'The reload failed: 1 location could not be downloaded.',
    );
    expect(summarizeReload({ status: 'failed', result: null }).message).toBe('The reload failed: no reason was recorded.');
  });

  it('reads a malformed result as empty rather than failing', () => {
    expect(summarizeReload({ status: 'completed', result: 'garbage' })).toMatchObject({ stored: 0, unchanged: 0, failed: [] });
    expect(summarizeReload({ status: 'completed', result: { failed: [null, 3, { locationId: 7 }] } }).failed).toEqual([{ locationId: '7', reason: 'no reason given' }]);
  });
});

// The offline sample documents must read as live data would at the moment they are fetched: at
// any hour, on any day, across Madrid's midnight and both nights the clocks change.
import { describe, expect, it } from 'vitest';
import { localDate, summarize } from '../../functions/lib/forecast/model.ts';
import { addDays } from '../../functions/lib/forecast/time.ts';
import { providers } from '../../functions/lib/providers/index.ts';
import { locations, sampleDocument } from '../../test/support/fixtures.ts';
import { fixtureFirstDay, reissueSample, sampleIssue, startSampleProvider } from './sample-provider.ts';

/** A forecast older than this is shown as stale (get-forecast's default). */
const staleAfterMs = 12 * 3_600_000;

describe('sampleIssue', () => {
  it.each([
    // now (UTC)               issued (UTC)             <elaborado> (Madrid)    first day
    ['2026-12-04T16:45:00Z', '2026-12-04T16:00:00Z', '2026-12-04T17:00:00', '2026-12-04'],
    ['2026-12-04T22:59:59Z', '2026-12-04T22:00:00Z', '2026-12-04T23:00:00', '2026-12-04'],
    // Late evening in UTC is already tomorrow in Madrid.
    ['2026-12-04T23:30:00Z', '2026-12-04T23:00:00Z', '2026-12-05T00:00:00', '2026-12-05'],
    ['2026-12-31T23:00:00Z', '2026-12-31T23:00:00Z', '2027-01-01T00:00:00', '2027-01-01'],
    ['2026-06-15T12:00:00Z', '2026-06-15T12:00:00Z', '2026-06-15T14:00:00', '2026-06-15'],
    ['2026-06-15T21:59:00Z', '2026-06-15T21:00:00Z', '2026-06-15T23:00:00', '2026-06-15'],
    ['2026-06-15T22:00:00Z', '2026-06-15T22:00:00Z', '2026-06-16T00:00:00', '2026-06-16'],
    // Spring: 02:00 winter time becomes 03:00 summer time at 01:00Z.
    ['2027-03-28T00:59:30Z', '2027-03-28T00:00:00Z', '2027-03-28T01:00:00', '2027-03-28'],
    ['2027-03-28T01:00:30Z', '2027-03-28T01:00:00Z', '2027-03-28T03:00:00', '2027-03-28'],
    // Autumn: 02:00–02:59 happens twice. The first 02:00 would read back as the second, so
    // its hour is skipped for 01:00; the second 02:00 reads back as itself.
    ['2026-10-25T00:30:00Z', '2026-10-24T23:00:00Z', '2026-10-25T01:00:00', '2026-10-25'],
    ['2026-10-25T01:30:00Z', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00', '2026-10-25'],
    ['2026-10-25T02:10:00Z', '2026-10-25T02:00:00Z', '2026-10-25T03:00:00', '2026-10-25'],
    // Before the fixtures' own day the dates move back.
    ['2026-02-28T23:10:00Z', '2026-02-28T23:00:00Z', '2026-03-01T00:00:00', '2026-03-01'],
  ])('at %s the documents are issued at %s (%s in Madrid), first day %s', (now, issuedAt, localTime, firstDay) => {
    const issue = sampleIssue(new Date(now));
    expect(issue.issuedAt.toISOString()).toBe(new Date(issuedAt).toISOString());
    expect(issue.localTime).toBe(localTime);
    expect(addDays(fixtureFirstDay, issue.shiftDays)).toBe(firstDay);
  });
});

/** Instants every 37 minutes over both nights the clocks change, and every 7 h 13 min over a year. */
function instantsAroundTheClock(): Date[] {
  const every = (from: string, to: string, minutes: number) => {
    const out: Date[] = [];
    for (let t = Date.parse(from); t < Date.parse(to); t += minutes * 60_000) out.push(new Date(t));
    return out;
  };
  return [...every('2026-10-24T18:00:00Z', '2026-10-25T06:00:00Z', 37), ...every('2027-03-27T18:00:00Z', '2027-03-28T06:00:00Z', 37), ...every('2026-12-04T00:00:00Z', '2027-12-04T00:00:00Z', 433)];
}

describe('the sample documents, parsed as download-forecast parses them', () => {
  const instants = instantsAroundTheClock();

  it.each(['aemet', 'open-meteo'] as const)('are fresh, start today in Madrid and have 7 days at every instant (%s)', async (provider) => {
    const documents = await Promise.all(locations.map(async (location) => ({ location, bytes: await sampleDocument(provider, location.id) })));
    for (const [i, now] of instants.entries()) {
      // One location per instant, in turn: the documents share their shape, and parsing takes time.
      const { location, bytes } = documents[i % documents.length] as (typeof documents)[number];
      const issue = sampleIssue(now);
      const forecast = providers[provider].parse(reissueSample(bytes, issue), { location, fetchedAt: now, sample: true });
      const at = `${location.id} at ${now.toISOString()}`;
      const age = now.getTime() - Date.parse(forecast.issuedAt);
      expect(age, at).toBeGreaterThanOrEqual(0);
      expect(age, at).toBeLessThan(staleAfterMs);
      if (provider === 'aemet') expect(forecast.issuedAt, at).toBe(issue.issuedAt.toISOString());
      expect(forecast.days, at).toHaveLength(7);
      expect(forecast.days[0]?.date, at).toBe(localDate(now, 'Europe/Madrid'));
      expect(summarize(forecast, now, 'Europe/Madrid').today?.date, at).toBe(localDate(now, 'Europe/Madrid'));
    }
  });
});

describe('startSampleProvider', () => {
  it('serves each document re-issued by its clock, in the provider’s encoding, and 404 for what it lacks', async () => {
    let now = new Date('2026-12-04T23:30:00Z');
    const provider = await startSampleProvider(locations, () => now);
    try {
      const aemet = await fetch(`${provider.url}/xml/municipios/localidad_28079.xml`);
      expect(aemet.status).toBe(200);
      expect(aemet.headers.get('content-type')).toBe('text/xml;charset=ISO-8859-15');
      const text = Buffer.from(await aemet.arrayBuffer()).toString('latin1');
      expect(text).toContain('<elaborado>2026-12-05T00:00:00</elaborado>');
      expect(text).toContain('<dia fecha="2026-12-05">');
      expect(text).toContain('Meteorolog\xeda');

      now = new Date('2027-03-28T01:00:30Z');
      const later = Buffer.from(await (await fetch(`${provider.url}/xml/municipios/localidad_28079.xml`)).arrayBuffer()).toString('latin1');
      expect(later).toContain('<elaborado>2027-03-28T03:00:00</elaborado>');

      const madrid = locations[0];
      const openMeteo = await fetch(`${provider.url}/v1/forecast?latitude=${madrid?.latitude}&longitude=${madrid?.longitude}`);
      expect(openMeteo.status).toBe(200);
      expect(((await openMeteo.json()) as { daily: { time: string[] } }).daily.time[0]).toBe('2027-03-28');

      const unknown = await fetch(`${provider.url}/xml/municipios/localidad_99999.xml`);
      expect(unknown.status).toBe(404);
      await unknown.body?.cancel();
      expect(provider.requests).toBe(4);
    } finally {
      await provider.close();
    }
  });
});

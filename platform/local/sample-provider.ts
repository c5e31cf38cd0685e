// Plays the providers' endpoints on loopback with the bundled sample documents, for
// `npm run dev -- --offline` (and when the network is unreachable). It serves the real formats
// (AEMET's ISO-8859-15 XML, Open-Meteo's JSON) re-issued at the time of the request, so
// download-forecast runs its real fetch path and what it stores looks as live data would at
// that moment, at any hour of any day. Everything it serves is stored labelled as sample data.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Location } from '../../functions/lib/forecast/model.ts';
import { addDays, localTimeToUtc, utcToLocalTime } from '../../functions/lib/forecast/time.ts';
import { systemClock, type Clock } from '../../functions/lib/runtime/clock.ts';
import { closeServer } from './close-server.ts';

export const fixturesDir = join(import.meta.dirname, 'fixtures');
/** The sample documents are written for this first day and issue time (Madrid local). */
export const fixtureFirstDay = '2026-03-10';
export const fixtureIssuedTime = '05:40:00';
/** AEMET's documents, and so the samples, keep Madrid's wall clock. */
const sampleTimezone = 'Europe/Madrid';
const hourMs = 3_600_000;

export interface SampleProvider {
  /** Base URL to use for both providers (AEMET paths and Open-Meteo's /v1/forecast). */
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** How a sample document reads when it is served at some instant. */
export interface SampleIssue {
  /** The instant the document says it was issued. */
  issuedAt: Date;
  /** The same instant on Madrid's wall clock, as AEMET's `<elaborado>` carries it (YYYY-MM-DDTHH:mm:ss). */
  localTime: string;
  /** Days to add to the fixtures' dates so that the first day is the issue's day in Madrid. */
  shiftDays: number;
}

/**
 * The issue of the sample documents served at `now`, as a provider that publishes every hour
 * would have it: the latest whole hour at or before `now`, its day in Madrid the forecast's
 * first day. So a forecast fetched at any hour is at most two hours old, and two fetches within
 * the same hour store the same document. On the night the clocks go back, 02:00 happens twice
 * and a local `<elaborado>` of 02:00 reads back as the second; the first is skipped for the hour
 * before it, so the parsed issue time is always the instant meant, never one in the future.
 */
export function sampleIssue(now: Date): SampleIssue {
  for (let issued = Math.floor(now.getTime() / hourMs) * hourMs; ; issued -= hourMs) {
    const localTime = utcToLocalTime(new Date(issued), sampleTimezone);
    if (localTimeToUtc(localTime, sampleTimezone)?.getTime() !== issued) continue;
    const shiftDays = Math.round((Date.parse(localTime.slice(0, 10)) - Date.parse(fixtureFirstDay)) / 86_400_000);
    return { issuedAt: new Date(issued), localTime, shiftDays };
  }
}

/**
 * A fixture as issued at `issue`: every YYYY-MM-DD date moved by the issue's day shift and
 * AEMET's `<elaborado>` set to its time (Open-Meteo's documents carry no issue time: the
 * parser takes it from the fetch). A byte-level edit, so the encoding is kept.
 */
export function reissueSample(bytes: Uint8Array, issue: SampleIssue): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const edited = text
    .replace(/\b(\d{4}-\d{2}-\d{2})(?=T|"|<)/g, (date) => addDays(date, issue.shiftDays))
    .replace(/<elaborado>[^<]*<\/elaborado>/, `<elaborado>${issue.localTime}</elaborado>`);
  return Buffer.from(edited, 'latin1');
}

export async function startSampleProvider(locations: readonly Location[], now: Clock = systemClock): Promise<SampleProvider> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      state.requests++;
      const url = new URL(req.url ?? '/', 'http://sample.local');
      let file: string | undefined;
      let contentType = '';
      const aemet = /^\/xml\/municipios\/localidad_(\d{5})\.xml$/.exec(url.pathname);
      if (aemet) {
        file = `aemet-${aemet[1]}.xml`;
        contentType = 'text/xml;charset=ISO-8859-15';
      } else if (url.pathname === '/v1/forecast') {
        const lat = Number(url.searchParams.get('latitude'));
        const lon = Number(url.searchParams.get('longitude'));
        const location = locations.find((l) => Math.abs(l.latitude - lat) < 1e-6 && Math.abs(l.longitude - lon) < 1e-6);
        if (location) file = `open-meteo-${location.id}.json`;
        contentType = 'application/json; charset=utf-8';
      }
      const bytes = file ? await readFile(join(fixturesDir, file)).catch(() => null) : null;
      if (!bytes) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no sample document for this request\n');
        return;
      }
      const body = reissueSample(bytes, sampleIssue(now()));
      res.writeHead(200, { 'content-type': contentType, 'content-length': body.byteLength }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () => closeServer(server),
  };
}

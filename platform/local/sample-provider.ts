// Plays the providers' endpoints on loopback with the bundled sample documents, for
// `npm run dev -- --offline` (and when the network is unreachable). It serves the real formats
// (AEMET's ISO-8859-15 XML, Open-Meteo's JSON) with every date moved so the forecast starts on
// the current day, so download-forecast runs its real fetch path. Everything it serves is
// stored labelled as sample data.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Location } from '../../functions/lib/forecast/model.ts';
import { addDays, localTimeToUtc } from '../../functions/lib/forecast/time.ts';
import { closeServer } from './close-server.ts';

export const fixturesDir = join(import.meta.dirname, 'fixtures');
/** The sample documents are written for this first day and issue time (Madrid local). */
export const fixtureFirstDay = '2026-03-10';
export const fixtureIssuedTime = '05:40:00';

export interface SampleProvider {
  /** Base URL to use for both providers (AEMET paths and Open-Meteo's /v1/forecast). */
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** Days to add to the fixtures' dates so that their issue time is the latest one before `now`. */
export function fixtureShiftDays(now: Date): number {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(now);
  let shift = Math.round((Date.parse(today) - Date.parse(fixtureFirstDay)) / 86_400_000);
  const issued = localTimeToUtc(`${addDays(fixtureFirstDay, shift)}T${fixtureIssuedTime}`, 'Europe/Madrid');
  if (issued && issued.getTime() > now.getTime()) shift -= 1;
  return shift;
}

/** Move every YYYY-MM-DD date in a document by `days`; a byte-level edit, so the encoding is kept. */
export function shiftDates(bytes: Uint8Array, days: number): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  return Buffer.from(text.replace(/\b(\d{4}-\d{2}-\d{2})(?=T|"|<)/g, (date) => addDays(date, days)), 'latin1');
}

export async function startSampleProvider(locations: readonly Location[], now: () => Date = () => new Date()): Promise<SampleProvider> {
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
      const body = shiftDates(bytes, fixtureShiftDays(now()));
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

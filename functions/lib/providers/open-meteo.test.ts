// Open-Meteo's daily JSON: the bundled samples, the mappings onto AEMET's vocabulary (sky codes,
// Spanish compass points) and the refusals, each naming the location.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentRejectedError } from '../errors.ts';
import type { Location } from '../forecast/model.ts';
import { defaultLocations } from '../../../platform/locations.ts';
import { fixturesDir } from '../../../platform/local/sample-provider.ts';
import { compassPoint, openMeteo, openMeteoDailyVariables, openMeteoIssuedAt, parseOpenMeteoJson } from './open-meteo.ts';

const madrid = defaultLocations[0] as Location;
const fetchedAt = new Date('2026-03-10T06:17:45.123Z');
const sample = () => new Uint8Array(readFileSync(join(fixturesDir, 'open-meteo-28079.json')));
const parse = (bytes: Uint8Array, at: Location = madrid) => parseOpenMeteoJson(bytes, { location: at, fetchedAt, sample: true });
const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));

describe('the bundled sample documents', () => {
  it.each(defaultLocations.map((l) => [l.id, l] as const))('open-meteo-%s.json parses to seven days without sub-day periods', (id, at) => {
    const forecast = parse(new Uint8Array(readFileSync(join(fixturesDir, `open-meteo-${id}.json`))), at);
    expect(forecast.provider).toBe('open-meteo');
    expect(forecast.location).toEqual({ id, name: at.name, province: at.province });
    expect(forecast.days).toHaveLength(7);
    expect(forecast.days.every((d) => d.periods.length === 0)).toBe(true);
    expect(forecast.sample).toBe(true);
  });

  it('maps the first day of the Madrid sample onto the common model', () => {
    const day = parse(sample()).days[0];
    expect(day).toEqual({
      date: '2026-03-10',
      temperature: { min: 13.2, max: 19.6 },
      humidity: { min: 35, max: 52 },
      uvMax: 6.2,
      // WMO 95 (thunderstorm) is AEMET 52; 190° is south.
      summary: { precipitationProbability: 76, sky: { code: '52', night: false, description: 'Nuboso con tormenta' }, wind: { direction: 'S', speedKmh: 31.4 }, gustKmh: 49.5 },
      periods: [],
    });
  });

  it('maps every WMO code of the sample to an AEMET sky code', () => {
    const forecast = parse(sample());
    // weather_code 95, 1, 3, 61, 95, 1, 3 → thunder, few clouds, overcast, rain.
    expect(forecast.days.map((d) => d.summary.sky?.code)).toEqual(['52', '12', '16', '24', '52', '12', '16']);
  });

  it('gives the wind direction as a Spanish compass point (O for west)', () => {
    const forecast = parse(sample());
    // wind_direction_10m_dominant 190, 312, 178, 332, 158, 232, 290
    expect(forecast.days.map((d) => d.summary.wind?.direction)).toEqual(['S', 'NO', 'S', 'NO', 'S', 'SO', 'O']);
  });

  it('counts a document as issued at the hour it was fetched', () => {
    const forecast = parse(sample());
    expect(forecast.issuedAt).toBe('2026-03-10T06:00:00.000Z');
    expect(forecast.fetchedAt).toBe('2026-03-10T06:17:45.123Z');
    expect(openMeteoIssuedAt(new Date('2026-03-10T06:59:59.999Z')).toISOString()).toBe('2026-03-10T06:00:00.000Z');
  });
});

describe('mappings', () => {
  it.each([
    [0, 'N'],
    [359, 'N'],
    [22.5, 'NE'],
    [90, 'E'],
    [135, 'SE'],
    [180, 'S'],
    [225, 'SO'],
    [270, 'O'],
    [315, 'NO'],
    [-90, 'O'],
    [720, 'N'],
  ])('%s° is %s', (degrees, point) => {
    expect(compassPoint(degrees)).toBe(point);
  });

  it('leaves the sky empty for a code WMO does not define, and nulls missing values', () => {
    const forecast = parse(json({ latitude: 40, longitude: -3, timezone: 'Europe/Madrid', daily: { time: ['2026-03-10'], weather_code: [42], temperature_2m_max: [null] } }));
    expect(forecast.days[0]?.summary).toEqual({ precipitationProbability: null, sky: null, wind: null, gustKmh: null });
    expect(forecast.days[0]?.temperature).toEqual({ min: null, max: null });
  });
});

describe('the document URL', () => {
  it('asks for every daily variable in the location timezone, in km/h, for seven days', () => {
    const url = new URL(openMeteo.documentUrl(madrid, 'https://api.open-meteo.com'));
    expect(`${url.origin}${url.pathname}`).toBe('https://api.open-meteo.com/v1/forecast');
    expect(url.searchParams.get('daily')?.split(',')).toEqual([...openMeteoDailyVariables]);
    expect(url.searchParams.get('timezone')).toBe('Europe/Madrid');
    expect(url.searchParams.get('latitude')).toBe('40.4168');
    expect(url.searchParams.get('longitude')).toBe('-3.7038');
    expect(url.searchParams.get('forecast_days')).toBe('7');
    expect(url.searchParams.get('wind_speed_unit')).toBe('kmh');
  });
});

describe('documents that are refused', () => {
  it.each([
    ['bytes that are not JSON', () => new Uint8Array(Buffer.from('{"latitude": 40,', 'utf8')), /not valid JSON/],
    ['JSON in another encoding', () => new Uint8Array([0x7b, 0x22, 0xe1, 0x22, 0x3a, 0x31, 0x7d]), /not valid JSON/],
    ['an array', () => json([1, 2, 3]), /unexpected content at the top level/],
    ['a document without daily values', () => json({ latitude: 40, longitude: -3, timezone: 'Europe/Madrid' }), /unexpected content at daily/],
    ['dates that are not dates', () => json({ latitude: 40, longitude: -3, timezone: 'UTC', daily: { time: ['10/03/2026'] } }), /unexpected content at daily\.time\.0/],
    ['a series of strings', () => json({ latitude: 40, longitude: -3, timezone: 'UTC', daily: { time: ['2026-03-10'], temperature_2m_max: ['warm'] } }), /daily\.temperature_2m_max\.0/],
    ['an empty forecast', () => json({ latitude: 40, longitude: -3, timezone: 'UTC', daily: { time: [] } }), /unexpected content at daily\.time/],
  ])('refuses %s, naming the location', (_what, bytes, reason) => {
    let caught: unknown;
    try {
      parse(bytes());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DocumentRejectedError);
    expect((caught as Error).message).toMatch(/^document for location 28079 is not a forecast: /);
    expect((caught as Error).message).toMatch(reason);
  });
});

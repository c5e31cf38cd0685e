#!/usr/bin/env node
// Writes the sample documents that `npm run dev -- --offline` serves in place of the providers:
// one AEMET municipal XML per default location (ISO-8859-15, the real element layout: 7/7/3/3/1/1/1
// periods, empty elements for past periods, night sky codes) and one Open-Meteo JSON. Values come
// from a seeded generator, so re-running writes the same bytes. Run: node scripts/make-fixtures.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays } from '../functions/lib/forecast/time.ts';
import { aemetSkyDescriptions } from '../functions/lib/forecast/sky.ts';
import { openMeteoDailyVariables } from '../functions/lib/providers/open-meteo.ts';
import { defaultLocations } from '../platform/locations.ts';
import { fixtureFirstDay, fixtureIssuedTime } from '../platform/local/sample-provider.ts';

const outDir = join(import.meta.dirname, '../platform/local/fixtures');

function seeded(seed: number) {
  let state = seed >>> 0;
  return (min: number, max: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return min + (state % (max - min + 1));
  };
}

const skyCodes = ['11', '12', '13', '14', '15', '16', '17', '23', '24', '43', '45', '51', '81'];
const compass = ['N', 'NE', 'E', 'SE', 'S', 'SO', 'O', 'NO', 'C'];
const periodsByDay = [
  ['00-24', '00-12', '12-24', '00-06', '06-12', '12-18', '18-24'],
  ['00-24', '00-12', '12-24', '00-06', '06-12', '12-18', '18-24'],
  ['00-24', '00-12', '12-24'],
  ['00-24', '00-12', '12-24'],
  [null],
  [null],
  [null],
];
// The document was issued at 05:40 local: on day 1, periods ending before then are empty.
const issuedHour = 6;

function aemetXml(id: string, name: string, province: string, seed: number): string {
  const r = seeded(seed);
  const lines: string[] = [];
  const out = (s: string) => lines.push(s);
  out('<?xml version="1.0" encoding="ISO-8859-15"?>');
  out(`<root id="${id}" version="1.0">`);
  out('  <origen>');
  out('    <productor>Agencia Estatal de Meteorología - AEMET. Gobierno de España</productor>');
  out('    <web>https://www.aemet.es</web>');
  out('    <language>es</language>');
  out('    <copyright>© AEMET. Documento de ejemplo con el formato de AEMET: al publicar sus datos, citar a AEMET como fuente.</copyright>');
  out('  </origen>');
  out(`  <elaborado>${fixtureFirstDay}T${fixtureIssuedTime}</elaborado>`);
  out(`  <nombre>${name}</nombre>`);
  out(`  <provincia>${province}</provincia>`);
  out('  <prediccion>');
  periodsByDay.forEach((periods, dayIndex) => {
    const date = addDays(fixtureFirstDay, dayIndex);
    const past = (p: string | null) => dayIndex === 0 && p !== null && Number(p.slice(3)) <= issuedHour;
    const attr = (p: string | null) => (p === null ? '' : ` periodo="${p}"`);
    const element = (tag: string, p: string | null, value: string | number, extra = '') =>
      past(p) ? out(`      <${tag}${attr(p)}${extra}/>`) : out(`      <${tag}${attr(p)}${extra}>${value}</${tag}>`);
    out(`    <dia fecha="${date}">`);
    // One weather for the day; each period varies around it, and the chance of rain follows the sky.
    const dayCode = skyCodes[r(0, skyCodes.length - 1)] as string;
    const codes = periods.map((p) => (p === '00-24' || p === null || r(0, 2) > 0 ? dayCode : (skyCodes[r(0, skyCodes.length - 1)] as string)));
    const wet = (code: string) => Number(code) >= 23 && Number(code) < 81;
    for (const [i, p] of periods.entries()) element('prob_precipitacion', p, wet(codes[i] as string) ? r(4, 10) * 10 : r(0, 2) * 5);
    for (const p of periods) element('cota_nieve_prov', p, '');
    for (const [i, p] of periods.entries()) {
      const code = codes[i] as string;
      const night = p === '18-24' || p === '00-06';
      const description = past(p) ? '' : (aemetSkyDescriptions[code] ?? '');
      element('estado_cielo', p, `${code}${night ? 'n' : ''}`, ` descripcion="${description}"`);
    }
    for (const p of periods) {
      if (past(p)) {
        out(`      <viento${attr(p)}>`);
        out('        <direccion/>');
        out('        <velocidad/>');
      } else {
        const direction = compass[r(0, compass.length - 1)] as string;
        out(`      <viento${attr(p)}>`);
        out(`        <direccion>${direction}</direccion>`);
        out(`        <velocidad>${direction === 'C' ? 0 : r(1, 6) * 5}</velocidad>`);
      }
      out('      </viento>');
    }
    for (const p of periods) element('racha_max', p, r(0, 3) === 0 ? r(6, 12) * 5 : '');
    const min = r(2, 14);
    const max = min + r(6, 14);
    out('      <temperatura>');
    out(`        <maxima>${max}</maxima>`);
    out(`        <minima>${min}</minima>`);
    if (dayIndex < 4) for (const [h, v] of [['06', min + 1], ['12', max - 2], ['18', max - 1], ['24', min + 3]]) out(`        <dato hora="${h}">${v}</dato>`);
    out('      </temperatura>');
    const hMin = r(20, 50);
    out('      <humedad_relativa>');
    out(`        <maxima>${hMin + r(15, 45)}</maxima>`);
    out(`        <minima>${hMin}</minima>`);
    out('      </humedad_relativa>');
    out(`      <uv_max>${r(1, 9)}</uv_max>`);
    out('    </dia>');
  });
  out('  </prediccion>');
  out('</root>');
  return `${lines.join('\n')}\n`;
}

function openMeteoJson(latitude: number, longitude: number, seed: number): string {
  const r = seeded(seed);
  const time = Array.from({ length: 7 }, (_, i) => addDays(fixtureFirstDay, i));
  const values: Record<string, number[]> = {};
  for (const v of openMeteoDailyVariables) values[v] = [];
  for (let i = 0; i < 7; i++) {
    const min = r(20, 140) / 10;
    values.weather_code?.push([0, 1, 2, 3, 45, 61, 80, 95][r(0, 7)] as number);
    values.temperature_2m_min?.push(min);
    values.temperature_2m_max?.push(Math.round((min + r(40, 120) / 10) * 10) / 10);
    values.precipitation_probability_max?.push(r(0, 100));
    const wind = r(30, 400) / 10;
    values.wind_speed_10m_max?.push(wind);
    values.wind_gusts_10m_max?.push(Math.round((wind + r(50, 300) / 10) * 10) / 10);
    values.wind_direction_10m_dominant?.push(r(0, 359));
    values.uv_index_max?.push(r(5, 85) / 10);
    const hMin = r(20, 60);
    values.relative_humidity_2m_min?.push(hMin);
    values.relative_humidity_2m_max?.push(hMin + r(10, 35));
  }
  const daily_units = Object.fromEntries([['time', 'iso8601'], ...openMeteoDailyVariables.map((v) => [v, v.includes('temperature') ? '°C' : v.includes('wind_speed') || v.includes('gusts') ? 'km/h' : v.includes('direction') ? '°' : v.includes('humidity') || v.includes('probability') ? '%' : v === 'weather_code' ? 'wmo code' : ''])]);
  return `${JSON.stringify({ latitude, longitude, generationtime_ms: 0.21, utc_offset_seconds: 3600, timezone: 'Europe/Madrid', timezone_abbreviation: 'GMT+1', elevation: 657, daily_units, daily: { time, ...values } }, null, 2)}\n`;
}

for (const [i, location] of defaultLocations.entries()) {
  const xml = aemetXml(location.id, location.name, location.province, 1000 + i * 7919);
  writeFileSync(join(outDir, `aemet-${location.id}.xml`), Buffer.from(xml, 'latin1'));
  // Every default location also gets an Open-Meteo document, so either provider works offline.
  writeFileSync(join(outDir, `open-meteo-${location.id}.json`), openMeteoJson(location.latitude, location.longitude, 77 + i));
}
console.log(`wrote ${defaultLocations.length * 2} fixtures to ${outDir}`);

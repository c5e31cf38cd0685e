// Which picture stands for an AEMET sky code. The codes combine a cloud cover (the units digit
// for codes 23–74) with a kind of weather (the tens digit); 81–83 are fog, mist and dust haze.
// This module only decides *what* to draw; sky-svg.ts draws it.
import type { Sky } from '../api/types.ts';

export type Cover = 'clear' | 'few' | 'partly' | 'cloudy' | 'very-cloudy' | 'overcast' | 'high';
export type Weather = 'none' | 'rain' | 'light-rain' | 'snow' | 'light-snow' | 'storm' | 'storm-light-rain' | 'fog' | 'mist' | 'haze';

export interface SkyIcon {
  /** Stable name of the picture, e.g. "partly-rain-night"; "unknown" for a code we do not know. */
  key: string;
  cover: Cover | null;
  weather: Weather;
  /** Sun or moon drawn; null when the clouds hide it. */
  light: 'sun' | 'moon' | null;
}

const coverByCode: Readonly<Record<string, Cover>> = {
  '11': 'clear',
  '12': 'few',
  '13': 'partly',
  '14': 'cloudy',
  '15': 'very-cloudy',
  '16': 'overcast',
  '17': 'high',
};

// Codes 23–74: the tens digit is the weather, the units digit the cover, counted from 3 for
// rain and snow (23 intervals … 26 overcast) and from 1 for storms and light snow (51 … 54).
const covers: readonly Cover[] = ['partly', 'cloudy', 'very-cloudy', 'overcast'];
const weatherByTens: Readonly<Record<string, { weather: Weather; firstUnits: number }>> = {
  '2': { weather: 'rain', firstUnits: 3 },
  '3': { weather: 'snow', firstUnits: 3 },
  '4': { weather: 'light-rain', firstUnits: 3 },
  '5': { weather: 'storm', firstUnits: 1 },
  '6': { weather: 'storm-light-rain', firstUnits: 1 },
  '7': { weather: 'light-snow', firstUnits: 1 },
};
const obscuredByCode: Readonly<Record<string, Weather>> = { '81': 'fog', '82': 'mist', '83': 'haze' };

/** Covers thin enough for the sun (or the moon) to show. */
const lightShowsThrough = new Set<Cover | null>(['clear', 'few', 'partly', 'cloudy', 'high']);

export const unknownSkyIcon: SkyIcon = { key: 'unknown', cover: null, weather: 'none', light: null };

export function skyIconFor(sky: Pick<Sky, 'code' | 'night'> | null): SkyIcon {
  if (sky === null) return unknownSkyIcon;
  const code = sky.code;
  let cover: Cover | null;
  let weather: Weather;
  if (coverByCode[code]) {
    cover = coverByCode[code];
    weather = 'none';
  } else if (obscuredByCode[code]) {
    cover = null;
    weather = obscuredByCode[code];
  } else {
    const tens = weatherByTens[code.charAt(0)];
    const units = covers[Number(code.charAt(1)) - (tens?.firstUnits ?? 0)];
    if (!/^\d\d$/.test(code) || !tens || !units) return unknownSkyIcon;
    cover = units;
    weather = tens.weather;
  }
  // Haze is dust lit by the sun; fog and mist hide it.
  const showsLight = weather === 'haze' || (lightShowsThrough.has(cover) && !weather.startsWith('storm'));
  const light = showsLight ? (sky.night ? 'moon' : 'sun') : null;
  const key = [cover, weather === 'none' ? null : weather, light === null ? null : sky.night ? 'night' : 'day'].filter(Boolean).join('-');
  return { key, cover, weather, light };
}

// The locations the app forecasts: AEMET municipality codes (INE codes) with the coordinates
// Open-Meteo needs. Edit the list, or set FORECAST_LOCATIONS to a JSON array of the same shape.
import type { Location } from '../functions/lib/forecast/model.ts';
import { parseLocationsSetting } from '../functions/lib/forecast/locations-setting.ts';

const spain = { provider: 'aemet', timezone: 'Europe/Madrid' } as const;

export const defaultLocations: readonly Location[] = [
  { id: '28079', name: 'Madrid', province: 'Madrid', latitude: 40.4168, longitude: -3.7038, ...spain },
  { id: '08019', name: 'Barcelona', province: 'Barcelona', latitude: 41.3874, longitude: 2.1686, ...spain },
  { id: '41091', name: 'Sevilla', province: 'Sevilla', latitude: 37.3891, longitude: -5.9845, ...spain },
  { id: '46250', name: 'Valencia', province: 'Valencia/València', latitude: 39.4699, longitude: -0.3763, ...spain },
  { id: '28903', name: 'Tres Cantos', province: 'Madrid', latitude: 40.6006, longitude: -3.7082, ...spain },
];

/** FORECAST_LOCATIONS when set (validated; a bad value stops with the reason), else the defaults. */
export function configuredLocations(env: Readonly<Record<string, string | undefined>> = process.env): readonly Location[] {
  return env.FORECAST_LOCATIONS ? parseLocationsSetting(env.FORECAST_LOCATIONS) : defaultLocations;
}

// The locations the app forecasts by default: AEMET municipality codes (INE codes) with the
// coordinates Open-Meteo needs. Override with FORECAST_LOCATIONS (see README).
import type { Location } from '../functions/lib/forecast/model.ts';

const spain = { provider: 'aemet', timezone: 'Europe/Madrid' } as const;

export const defaultLocations: readonly Location[] = [
  { id: '28079', name: 'Madrid', province: 'Madrid', latitude: 40.4168, longitude: -3.7038, ...spain },
  { id: '08019', name: 'Barcelona', province: 'Barcelona', latitude: 41.3874, longitude: 2.1686, ...spain },
  { id: '41091', name: 'Sevilla', province: 'Sevilla', latitude: 37.3891, longitude: -5.9845, ...spain },
  { id: '46250', name: 'Valencia', province: 'Valencia/València', latitude: 39.4699, longitude: -0.3763, ...spain },
  { id: '28903', name: 'Tres Cantos', province: 'Madrid', latitude: 40.6006, longitude: -3.7082, ...spain },
];

// The read API (get-forecast): the list of locations with today's forecast, and one
// location's seven days.
import { expectShape, fetchJson } from './client.ts';
import type { ForecastListResponse, ForecastResponse } from './types.ts';

export async function getForecastList(signal?: AbortSignal): Promise<ForecastListResponse> {
  const body = await fetchJson('/api/forecasts', signal ? { signal } : {});
  return expectShape<ForecastListResponse>(body, 'a list of forecasts', (b) => Array.isArray(b.items) && Array.isArray(b.pending));
}

export async function getForecast(locationId: string, signal?: AbortSignal): Promise<ForecastResponse> {
  const body = await fetchJson(`/api/forecasts/${encodeURIComponent(locationId)}`, signal ? { signal } : {});
  return expectShape<ForecastResponse>(body, 'a forecast', (b) => Array.isArray(b.days) && typeof b.location === 'object');
}

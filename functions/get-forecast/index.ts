// get-forecast: the read API the site uses.
//   GET /api/forecasts                 every configured location: today's summary, or pending
//   GET /api/forecasts/:id             the latest 7-day forecast of one location
//   GET /api/forecasts/:id/history     issue times stored for it, newest first (?limit, ?before)
// Responses carry an ETag (304 on If-None-Match) and a short Cache-Control. Ids are checked
// against a strict pattern before any store sees them: 400 for a malformed id, 404 for one
// that is not configured.
import { createHash } from 'node:crypto';
import { RejectedInputError } from '../lib/errors.ts';
import { locationIdPattern, summarize, type Forecast, type ForecastSummary, type Location } from '../lib/forecast/model.ts';
import { parseLocationsSetting } from '../lib/forecast/locations-setting.ts';
import type { Clock } from '../lib/runtime/clock.ts';
import { defineFunction, json, type HttpRequest, type HttpResponse } from '../lib/runtime/function-definition.ts';
import type { HistoryPage, HistoryStore } from '../lib/storage/history-store.ts';
import type { LatestStore } from '../lib/storage/latest-store.ts';

export interface GetForecastDeps {
  latest: LatestStore;
  history: HistoryStore;
  locations: readonly Location[];
  /** A forecast issued longer ago than this is flagged `stale` (three schedule intervals). */
  staleAfterSeconds: number;
  now: Clock;
}

export interface ForecastListResponse {
  generatedAt: string;
  staleAfterSeconds: number;
  /** Some forecast shown is sample data from the bundled fixtures. */
  sample: boolean;
  items: (ForecastSummary & { stale: boolean })[];
  /** Configured locations with no forecast stored yet. */
  pending: Pick<Location, 'id' | 'name' | 'province'>[];
}

/** One location's forecast, with its timezone: "today" on the location's page is the location's today. */
export type ForecastResponse = Forecast & { stale: boolean; staleAfterSeconds: number; timezone: string };

const cacheControl = 'public, max-age=60, stale-while-revalidate=300';

export async function getForecastApi(request: HttpRequest, deps: GetForecastDeps): Promise<HttpResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new RejectedInputError(`${request.method} is not supported: the API is read-only`, 405, { allow: 'GET, HEAD' });
  }
  const path = request.url.pathname.replace(/\/+$/, '');
  const match = /^\/api\/forecasts(?:\/([^/]*)(\/history)?)?$/.exec(path);
  if (!match) throw new RejectedInputError(`no API route ${JSON.stringify(path.slice(0, 100))}; try /api/forecasts`, 404);
  const [, rawId, history] = match;
  if (rawId === undefined) return cached(request, await listForecasts(deps));

  const id = decodeId(rawId);
  const location = deps.locations.find((l) => l.id === id);
  if (!location) throw new RejectedInputError(`no location with id ${id}`, 404);
  if (history) return cached(request, await listHistory(id, request.url.searchParams, deps));
  const forecast = await deps.latest.get(id);
  if (!forecast) throw new RejectedInputError(`no forecast stored yet for ${location.name} (${id})`, 404);
  const body: ForecastResponse = { ...forecast, stale: isStale(forecast, deps), staleAfterSeconds: deps.staleAfterSeconds, timezone: location.timezone };
  return cached(request, body);
}

async function listForecasts(deps: GetForecastDeps): Promise<ForecastListResponse> {
  const now = deps.now();
  const stored = new Map((await deps.latest.list()).map((f) => [f.location.id, f]));
  const items: ForecastListResponse['items'] = [];
  const pending: ForecastListResponse['pending'] = [];
  for (const location of deps.locations) {
    const forecast = stored.get(location.id);
    if (forecast) items.push({ ...summarize(forecast, now, location.timezone), stale: isStale(forecast, deps) });
    else pending.push({ id: location.id, name: location.name, province: location.province });
  }
  return { generatedAt: now.toISOString(), staleAfterSeconds: deps.staleAfterSeconds, sample: items.some((i) => i.sample), items, pending };
}

async function listHistory(id: string, query: URLSearchParams, deps: GetForecastDeps): Promise<HistoryPage> {
  const limitText = query.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > 100) throw new RejectedInputError(`limit must be 1–100, got ${JSON.stringify(limitText.slice(0, 20))}`, 400);
  const before = query.get('before') ?? undefined;
  if (before !== undefined && (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(before) || Number.isNaN(Date.parse(before)))) {
    throw new RejectedInputError(`before must be an ISO 8601 UTC time, got ${JSON.stringify(before.slice(0, 40))}`, 400);
  }
  return deps.history.list(id, before === undefined ? { limit } : { limit, before });
}

function decodeId(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new RejectedInputError('the location id is not valid URL encoding', 400);
  }
  if (!locationIdPattern.test(id)) throw new RejectedInputError(`malformed location id ${JSON.stringify(id.slice(0, 70))}: lowercase letters, digits and dashes only`, 400);
  return id;
}

function isStale(forecast: Forecast, deps: GetForecastDeps): boolean {
  return deps.now().getTime() - Date.parse(forecast.issuedAt) > deps.staleAfterSeconds * 1000;
}

function cached(request: HttpRequest, body: unknown): HttpResponse {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha1').update(text).digest('base64url')}"`;
  const headers = { etag, 'cache-control': cacheControl };
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return { status: 304, headers };
  return json(200, request.method === 'HEAD' ? undefined : text, headers);
}

export default defineFunction<GetForecastDeps>({
  async deps(services) {
    const [latest, history] = await Promise.all([services.latestStore(), services.historyStore()]);
    const staleAfterSeconds = Number(services.env.STALE_AFTER_SECONDS ?? 12 * 3600);
    if (!Number.isFinite(staleAfterSeconds) || staleAfterSeconds <= 0) throw new Error('STALE_AFTER_SECONDS must be a positive number');
    return { latest, history, locations: parseLocationsSetting(services.env.FORECAST_LOCATIONS), staleAfterSeconds, now: services.now };
  },
  http: (request, deps) => getForecastApi(request, deps),
});

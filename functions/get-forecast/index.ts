// get-forecast: the read API the site uses.
//   GET /api/forecasts                 every configured location: today's summary, or pending
//   GET /api/forecasts/:id             the latest 7-day forecast of one location
//   GET /api/forecasts/:id/history     issue times stored for it, newest first (?limit, ?before)
// Responses carry an ETag (304 on If-None-Match) and a short Cache-Control. Ids are checked
// against a strict pattern before any store sees them: 400 for a malformed id, 404 for one
// that is not configured.
// The list and each location's forecast are served from a micro-cache of their encoded bytes
// and ETag (AnswerCache): built on the first request, built again once `cacheSeconds` old or as
// soon as this process has written to the latest store (the local runtime, where parse-forecast
// shares the process). One second: the answer already lets browsers and proxies keep it 60 s,
// so a second more is invisible to a reader, while under load it turns every store read, JSON
// encoding and hash into one per second per route. `generatedAt`, `stale` and "today" are those
// of the instant the answer was built, at most `cacheSeconds` before it is served. Errors
// (unknown ids, a location with no forecast yet, a store that fails) are never cached.
import { RejectedInputError } from '../lib/errors.ts';
import { locationIdPattern, summarize, type Forecast, type ForecastSummary, type Location } from '../lib/forecast/model.ts';
import { parseLocationsSetting } from '../lib/forecast/locations-setting.ts';
import { AnswerCache, encodeAnswer, matchesEtag, type EncodedAnswer } from '../lib/runtime/answer-cache.ts';
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
  /** The list and the forecasts as last encoded; one per running function. */
  answers: AnswerCache;
}

/** How long an answer is reused: see the header comment. */
export const cacheSeconds = 1;

export interface ForecastListResponse {
  /** The instant this answer was built: it is served as it is for up to `cacheSeconds` after. */
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
  const changes = deps.latest.writesSoFar?.();
  if (rawId === undefined) return answer(request, await deps.answers.get('list', deps.now(), changes, (now) => listForecasts(deps, now)));

  const id = decodeId(rawId);
  const location = deps.locations.find((l) => l.id === id);
  if (!location) throw new RejectedInputError(`no location with id ${id}`, 404);
  if (history) return answer(request, encodeAnswer(await listHistory(id, request.url.searchParams, deps)));
  return answer(request, await deps.answers.get(`forecast/${id}`, deps.now(), changes, (now) => oneForecast(location, deps, now)));
}

async function oneForecast(location: Location, deps: GetForecastDeps, now: Date): Promise<ForecastResponse> {
  const forecast = await deps.latest.get(location.id);
  if (!forecast) throw new RejectedInputError(`no forecast stored yet for ${location.name} (${location.id})`, 404);
  return { ...forecast, stale: isStale(forecast, now, deps), staleAfterSeconds: deps.staleAfterSeconds, timezone: location.timezone };
}

async function listForecasts(deps: GetForecastDeps, now: Date): Promise<ForecastListResponse> {
  const stored = new Map((await deps.latest.list()).map((f) => [f.location.id, f]));
  const items: ForecastListResponse['items'] = [];
  const pending: ForecastListResponse['pending'] = [];
  for (const location of deps.locations) {
    const forecast = stored.get(location.id);
    if (forecast) items.push({ ...summarize(forecast, now, location.timezone), stale: isStale(forecast, now, deps) });
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

function isStale(forecast: Forecast, now: Date, deps: GetForecastDeps): boolean {
  return now.getTime() - Date.parse(forecast.issuedAt) > deps.staleAfterSeconds * 1000;
}

function answer(request: HttpRequest, encoded: Pick<EncodedAnswer, 'body' | 'etag'>): HttpResponse {
  const headers = { etag: encoded.etag, 'cache-control': cacheControl };
  if (matchesEtag(request.headers['if-none-match'], encoded.etag)) return { status: 304, headers };
  return json(200, request.method === 'HEAD' ? undefined : encoded.body, headers);
}

export default defineFunction<GetForecastDeps>({
  async deps(services) {
    const [latest, history] = await Promise.all([services.latestStore(), services.historyStore()]);
    const staleAfterSeconds = Number(services.env.STALE_AFTER_SECONDS ?? 12 * 3600);
    if (!Number.isFinite(staleAfterSeconds) || staleAfterSeconds <= 0) throw new Error('STALE_AFTER_SECONDS must be a positive number');
    const answers = new AnswerCache({ maxAgeMs: cacheSeconds * 1000 });
    return { latest, history, locations: parseLocationsSetting(services.env.FORECAST_LOCATIONS), staleAfterSeconds, now: services.now, answers };
  },
  http: (request, deps) => getForecastApi(request, deps),
});

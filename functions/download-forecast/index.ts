// download-forecast: on the schedule (PingSource) or an admin's reload, fetch every configured
// location's document, check that it is a forecast, and store the raw bytes under a key derived
// from its issue time. An unchanged forecast is not stored again. A provider that fails for one
// location never stops the others; a store that fails fails the run, so the event is redelivered.
import { CloudEvent } from '../lib/events/cloudevents-http.ts';
import { eventTypes, extensionNames } from '../lib/events/types.ts';
import { DocumentRejectedError, RejectedInputError, UnavailableError, errorMessage } from '../lib/errors.ts';
import type { Location, ProviderId } from '../lib/forecast/model.ts';
import { parseLocationsSetting } from '../lib/forecast/locations-setting.ts';
import { documentKey } from '../lib/forecast/object-keys.ts';
import { providers } from '../lib/providers/index.ts';
import { maxDocumentBytes } from '../lib/providers/provider.ts';
import type { Clock } from '../lib/runtime/clock.ts';
import { mapConcurrent } from '../lib/runtime/concurrency.ts';
import { defineFunction, type Invocation } from '../lib/runtime/function-definition.ts';
import type { Logger } from '../lib/runtime/log.ts';
import { retry } from '../lib/runtime/retry.ts';
import { formatTraceparent } from '../lib/runtime/trace.ts';
import { inSpan } from '../lib/runtime/tracing.ts';
import type { ObjectStore } from '../lib/storage/object-store.ts';

export interface DownloadDeps {
  objects: ObjectStore;
  /** @default 'forecasts' */
  bucket: string;
  locations: readonly Location[];
  baseUrls: Readonly<Record<ProviderId, string>>;
  /** The base URLs serve the bundled fixtures: label what is stored as sample data. */
  sample: boolean;
  fetch: typeof fetch;
  now: Clock;
  /** Per-request timeout. @default 10_000 */
  timeoutMs: number;
  /** Attempts per location (fetch) and per object (store). @default 3 */
  attempts: number;
  /** Locations fetched at once. @default 3 */
  concurrency: number;
  /** First retry delay; doubles each time. @default 500 */
  backoffMs: number;
}

export interface DownloadResult {
  reloadId: string | null;
  stored: { locationId: string; key: string }[];
  unchanged: { locationId: string; key: string }[];
  failed: { locationId: string; reason: string }[];
}

class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
}

export async function downloadForecasts(
  request: { reloadId: string | null },
  deps: DownloadDeps,
  { log, metrics }: Invocation,
): Promise<DownloadResult> {
  const result: DownloadResult = { reloadId: request.reloadId, stored: [], unchanged: [], failed: [] };
  const storeErrors: { locationId: string; error: StoreFailure }[] = [];
  await mapConcurrent(deps.locations, deps.concurrency, async (location) => {
    try {
      const outcome = await downloadOne(location, deps, log);
      result[outcome.stored ? 'stored' : 'unchanged'].push({ locationId: location.id, key: outcome.key });
    } catch (error) {
      result.failed.push({ locationId: location.id, reason: errorMessage(error) });
      if (error instanceof StoreFailure) storeErrors.push({ locationId: location.id, error });
      if (error instanceof DocumentRejectedError) metrics?.documentRejected(String(error.details?.reason ?? error.message));
      log.warn('location failed', { locationId: location.id, reason: errorMessage(error) });
    }
  });
  log.info('download finished', { stored: result.stored.length, unchanged: result.unchanged.length, failed: result.failed.length });
  if (storeErrors.length > 0) {
    // Nothing was half-written (objects are put whole), and keys are deterministic, so the
    // redelivered run stores exactly what this one could not.
    const where = storeErrors.map((e) => e.locationId).sort().join(', ');
    // 503 with the message: the broker retries, and its log and dead letter name the locations.
    throw new UnavailableError(`could not store ${storeErrors.length} document(s), for locations ${where}: ${storeErrors[0]?.error.message}`);
  }
  return result;
}

async function downloadOne(location: Location, deps: DownloadDeps, log: Logger) {
  const provider = providers[location.provider];
  const url = provider.documentUrl(location, deps.baseUrls[location.provider]);
  const bytes = await retry(
    {
      attempts: deps.attempts,
      baseDelayMs: deps.backoffMs,
      onRetry: (error, attempt, delayMs) => log.info('retrying fetch', { locationId: location.id, attempt, delayMs, reason: errorMessage(error) }),
    },
    () => inSpan(`GET ${provider.id}`, 'client', { 'url.full': url, 'forecast.location_id': location.id }, () => fetchDocument(url, location.id, deps)),
  );
  const fetchedAt = deps.now();
  const forecast = provider.parse(bytes, { location, fetchedAt, sample: deps.sample });
  const key = documentKey({ provider: provider.id, locationId: location.id, issuedAt: new Date(forecast.issuedAt), extension: provider.fileExtension });
  try {
    return await retry({ attempts: deps.attempts, baseDelayMs: deps.backoffMs }, async () => {
      if (await deps.objects.exists(deps.bucket, key)) return { key, stored: false };
      // The object carries this span's trace context across MinIO: its notification's event
      // continues the trace from here.
      await inSpan(`store ${deps.bucket}`, 'producer', { 'forecast.object_key': key }, (span) =>
        deps.objects.put(deps.bucket, key, bytes, {
          contentType: provider.contentType,
          metadata: { traceparent: formatTraceparent(span.context), 'fetched-at': fetchedAt.toISOString(), sample: String(deps.sample), 'location-id': location.id },
        }),
      );
      return { key, stored: true };
    });
  } catch (error) {
    throw new StoreFailure(`storing ${deps.bucket}/${key}: ${errorMessage(error)}`);
  }
}

async function fetchDocument(url: string, locationId: string, deps: DownloadDeps): Promise<Uint8Array> {
  const response = await deps.fetch(url, { signal: AbortSignal.timeout(deps.timeoutMs), headers: { accept: 'application/xml, application/json;q=0.9' } });
  if (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408) {
    // The provider says the request is wrong (unknown location?): another attempt will not help.
    throw new RejectedInputError(`${url} answered ${response.status}`, 422);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxDocumentBytes) {
    await response.body?.cancel();
    throw new DocumentRejectedError(locationId, `the provider declared ${declared} bytes (content-length), over the ${maxDocumentBytes}-byte limit`);
  }
  return readAtMost(response, maxDocumentBytes, () => new DocumentRejectedError(locationId, `the provider sent more than ${maxDocumentBytes} bytes, the limit: the rest was not read`));
}

/**
 * The body, counted as it arrives and abandoned the moment it passes `limit`: an answer with no
 * or a false content-length, or one that never ends, costs at most `limit` bytes of memory.
 */
async function readAtMost(response: Response, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

export function downloadSettings(env: Readonly<Record<string, string | undefined>>) {
  return {
    bucket: env.FORECASTS_BUCKET ?? 'forecasts',
    locations: parseLocationsSetting(env.FORECAST_LOCATIONS),
    baseUrls: {
      aemet: env.AEMET_BASE_URL ?? providers.aemet.defaultBaseUrl,
      'open-meteo': env.OPEN_METEO_BASE_URL ?? providers['open-meteo'].defaultBaseUrl,
    },
    sample: env.SAMPLE_DATA === 'true',
  };
}

export default defineFunction<DownloadDeps>({
  async deps(services) {
    return {
      ...downloadSettings(services.env),
      objects: await services.objectStore(),
      fetch: globalThis.fetch,
      now: services.now,
      timeoutMs: 10_000,
      attempts: 3,
      concurrency: 3,
      backoffMs: 500,
    };
  },
  events: {
    accepts: [eventTypes.schedule, eventTypes.reloadRequested],
    async handle(event, deps, invocation) {
      const carried = event[extensionNames.reloadId];
      const reloadId = event.type === eventTypes.reloadRequested && typeof carried === 'string' ? carried : null;
      if (event.type === eventTypes.reloadRequested && reloadId === null) {
        throw new RejectedInputError(`a ${eventTypes.reloadRequested} event needs the "${extensionNames.reloadId}" extension`, 400);
      }
      const result = await downloadForecasts({ reloadId }, deps, invocation);
      return new CloudEvent<DownloadResult>({
        id: `${event.id}/completed`,
        type: eventTypes.downloadCompleted,
        source: '/functions/download-forecast',
        datacontenttype: 'application/json',
        data: result,
        ...(reloadId ? { [extensionNames.reloadId]: reloadId } : {}),
      });
    },
  },
});

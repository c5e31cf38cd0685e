// parse-forecast: for each raw document stored in the forecasts bucket, read it, normalize it,
// and write it twice: the latest forecast per location (never replaced by an older one) and the
// history (unique per location and issue time). Both writes are idempotent, so a redelivered
// event is harmless. If a store fails the handler answers 503 naming the store and the error,
// so the broker retries, and a dead letter says which store was down.
import { RejectedInputError, UnavailableError, errorMessage } from '../lib/errors.ts';
import { ObjectCreatedDataSchema, type ObjectCreatedData } from '../lib/events/minio-notification.ts';
import { bucketSource, eventTypes } from '../lib/events/types.ts';
import type { Location } from '../lib/forecast/model.ts';
import { parseLocationsSetting } from '../lib/forecast/locations-setting.ts';
import { parseDocumentKey } from '../lib/forecast/object-keys.ts';
import { providers } from '../lib/providers/index.ts';
import { defineFunction, type Invocation } from '../lib/runtime/function-definition.ts';
import type { HistoryStore } from '../lib/storage/history-store.ts';
import type { LatestStore, LatestWriteOutcome } from '../lib/storage/latest-store.ts';
import { assertSafeObjectKey, type ObjectStore } from '../lib/storage/object-store.ts';

export interface ParseDeps {
  objects: ObjectStore;
  latest: LatestStore;
  history: HistoryStore;
  /** @default 'forecasts' */
  bucket: string;
  locations: readonly Location[];
}

export interface ParseOutcome {
  key: string;
  locationId: string;
  issuedAt: string;
  latest: LatestWriteOutcome;
  history: 'added' | 'duplicate';
}

export async function parseStoredForecast(data: ObjectCreatedData, deps: ParseDeps, { log, metrics }: Invocation): Promise<ParseOutcome> {
  if (data.bucket !== deps.bucket) throw new RejectedInputError(`objects of bucket "${data.bucket}" are not forecasts (expected "${deps.bucket}")`, 422);
  assertSafeObjectKey(data.key);
  const key = parseDocumentKey(data.key);
  const location = deps.locations.find((l) => l.id === key.locationId);
  if (!location) throw new RejectedInputError(`location ${key.locationId} is not configured (FORECAST_LOCATIONS)`, 422);
  const provider = providers[key.provider];

  const object = await unavailableAs('object store', () => deps.objects.get(deps.bucket, data.key));
  if (!object) throw new RejectedInputError(`object ${deps.bucket}/${data.key} no longer exists`, 422);
  const fetchedAt = parseDate(object.metadata['fetched-at']) ?? object.lastModified;
  const forecast = provider.parse(object.bytes, { location, fetchedAt, sample: object.metadata.sample === 'true' });

  const history = await unavailableAs('history store', () => deps.history.append(forecast));
  const latest = await unavailableAs('latest store', () => deps.latest.upsertIfNewer(forecast));
  const outcome = { key: data.key, locationId: location.id, issuedAt: forecast.issuedAt, latest, history };
  log.info('forecast stored', { ...outcome });
  metrics?.forecastStored(provider.id);
  return outcome;
}

/** A store's failure as a 503 that names the store: retried, and readable in a dead letter. */
async function unavailableAs<T>(store: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof RejectedInputError) throw error;
    throw new UnavailableError(`the ${store} is unavailable: ${errorMessage(error)}`, { cause: error });
  }
}

function parseDate(text: string | undefined): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export default defineFunction<ParseDeps>({
  async deps(services) {
    const [objects, latest, history] = await Promise.all([services.objectStore(), services.latestStore(), services.historyStore()]);
    return {
      objects,
      latest,
      history,
      bucket: services.env.FORECASTS_BUCKET ?? 'forecasts',
      locations: parseLocationsSetting(services.env.FORECAST_LOCATIONS),
    };
  },
  events: {
    accepts: [eventTypes.objectCreated],
    async handle(event, deps, invocation) {
      if (event.source !== bucketSource(deps.bucket)) {
        throw new RejectedInputError(`event source "${event.source}" is not the ${deps.bucket} bucket`, 422);
      }
      const data = ObjectCreatedDataSchema.safeParse(event.data);
      if (!data.success) throw new RejectedInputError(`event data is not an object-created record: ${data.error.issues[0]?.message}`, 400);
      await parseStoredForecast(data.data, deps, invocation);
    },
  },
});

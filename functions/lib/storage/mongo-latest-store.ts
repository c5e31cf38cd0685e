// The latest store on MongoDB (Percona in the cluster; any MongoDB-wire server). One document
// per location, `_id` = location id. The never-go-back rule is the upsert's filter: when the
// stored document is newer the filter matches nothing, the upsert tries to insert the same
// `_id`, and the duplicate-key error (11000) means "kept the newer one".
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { ForecastSchema, type Forecast } from '../forecast/model.ts';
import type { LatestStore, LatestWriteOutcome } from './latest-store.ts';

interface LatestDocument {
  _id: string;
  issuedAt: Date;
  sample: boolean;
  forecast: Forecast;
  updatedAt: Date;
}

export class MongoLatestStore implements LatestStore {
  readonly collection: Collection<LatestDocument>;

  constructor(db: Db, collection: string) {
    this.collection = db.collection<LatestDocument>(collection);
  }

  async upsertIfNewer(forecast: Forecast): Promise<LatestWriteOutcome> {
    const issuedAt = new Date(forecast.issuedAt);
    const older = { issuedAt: { $lt: issuedAt } };
    const replaceable = forecast.sample
      ? { sample: true, ...older }
      : { $or: [{ sample: true }, { sample: false, ...older }] };
    try {
      const result = await this.collection.replaceOne(
        { _id: forecast.location.id, ...replaceable },
        { issuedAt, sample: forecast.sample, forecast, updatedAt: new Date() },
        { upsert: true },
      );
      return result.upsertedCount > 0 ? 'created' : 'replaced';
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) return 'kept-newer';
      throw error;
    }
  }

  async get(locationId: string): Promise<Forecast | null> {
    const doc = await this.collection.findOne({ _id: locationId });
    return doc ? ForecastSchema.parse(doc.forecast) : null;
  }

  async list(): Promise<Forecast[]> {
    const docs = await this.collection.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ForecastSchema.parse(d.forecast));
  }
}

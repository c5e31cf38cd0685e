import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { createLogger } from '../log.ts';
import { wireClusterServices } from './backing.ts';
import { eventSink } from './event-sink.ts';
import { latestStore } from './latest-store.ts';

const log = createLogger({}, { level: 'silent' });

describe('wireClusterServices', () => {
  it('builds a wired service once and refuses one that is not wired, naming the fix', async () => {
    const services = wireClusterServices({ K_SINK: 'http://127.0.0.1:9/' }, log, systemClock, { eventSink });
    expect(await services.eventSink()).toBe(await services.eventSink());
    await expect(services.objectStore()).rejects.toThrow(/"objectStore" is not wired into this function's container: add it to the function's "uses"/);
  });

  it('shares one value per key between factories, and closes in reverse order', async () => {
    const built: string[] = [];
    const closed: string[] = [];
    const services = wireClusterServices({}, log, systemClock, {
      historyStore: async (backing) => {
        await backing.shared('pool', async () => {
          built.push('pool');
          backing.onClose(async () => void closed.push('pool'));
        });
        backing.onClose(async () => void closed.push('history'));
        return {} as never;
      },
      auditStore: async (backing) => {
        await backing.shared('pool', async () => void built.push('second pool'));
        return {} as never;
      },
    });
    await services.historyStore();
    await services.auditStore();
    expect(built).toEqual(['pool']);
    await services.close();
    expect(closed).toEqual(['history', 'pool']);
  });

  it('builds the latest store LATEST_STORE names, and refuses to guess when it is missing or unknown', async () => {
    const store = (env: Record<string, string>) => wireClusterServices(env, log, systemClock, { latestStore }).latestStore();
    await expect(store({})).rejects.toThrow('environment variable LATEST_STORE is not set');
    await expect(store({ LATEST_STORE: 'redis' })).rejects.toThrow('LATEST_STORE is "redis"; it must be mongodb or postgres');
    // postgres: it goes to PGHOST (where nothing listens) to create its table.
    await expect(store({ LATEST_STORE: 'postgres', PGHOST: '127.0.0.1', PGPORT: '9', PGUSER: 'u', PGPASSWORD: 'p', PGDATABASE: 'd', PGCONNECT_TIMEOUT: '2' })).rejects.toThrow('ECONNREFUSED 127.0.0.1:9');
  });
});

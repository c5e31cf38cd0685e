// The app definition is the single source of truth: the real app must pass defineApp's checks,
// and each broken cross-reference must stop it with a message naming the entry.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../functions/lib/events/types.ts';
import { defineApp, type AppDefinition } from './app-definition.ts';
import { app } from './app.ts';
import { longestInterval, parseCron } from './cron.ts';

const repoRoot = join(import.meta.dirname, '..');

/** A copy of the real app, loosened to any function name, changed by `change`. */
function broken(change: (copy: AppDefinition<string>) => void): () => AppDefinition<string> {
  const copy = structuredClone(app) as AppDefinition<string>;
  change(copy);
  return () => defineApp<string>(copy);
}

describe('the real app (platform/app.ts)', () => {
  it('passes defineApp again unchanged', () => {
    expect(defineApp<string>(structuredClone(app) as AppDefinition<string>)).toEqual(app);
  });

  it('has a handler module on disk for every function', () => {
    for (const [name, spec] of Object.entries(app.functions)) {
      expect(spec.handler).toBe(`functions/${name}/index.ts`);
      expect(existsSync(join(repoRoot, spec.handler)), spec.handler).toBe(true);
    }
  });

  it('subscribes parse-forecast to created objects of the forecasts bucket only', () => {
    expect(app.triggers['parse-new-forecasts']).toEqual({
      subscriber: 'parse-forecast',
      filter: { type: 'io.minio.object.created', source: '/minio/buckets/forecasts' },
    });
    expect(app.buckets.forecasts.notify?.via).toBe('minio-events');
  });

  it('keeps what the broker gives up on in the dead-letters bucket, which nobody reads anonymously', () => {
    expect(app.delivery.deadLetterSink).toBe('dead-letters');
    expect(app.functions['dead-letters']).toMatchObject({ uses: ['objectStore'], scale: { min: 0 } });
    expect(app.buckets['dead-letters']).toEqual({ anonymousRead: false });
  });

  it('declares the buckets of every function that stores objects, as its code uses them', () => {
    // download-forecast asks whether a document exists (a HEAD: read) before it puts it.
    expect(Object.fromEntries(Object.entries(app.functions).map(([name, spec]) => [name, 'buckets' in spec ? spec.buckets : undefined]))).toEqual({
      'download-forecast': { forecasts: ['read', 'write'] },
      'parse-forecast': { forecasts: ['read'] },
      'get-forecast': undefined,
      'reload-forecast': undefined,
      'minio-events': undefined,
      'dead-letters': { 'dead-letters': ['write'] },
    });
  });

  it('downloads every four hours', () => {
    expect(longestInterval(parseCron(app.schedule.cron))).toBe(4 * 3600);
    expect(new Set(app.schedule.locations.map((l) => l.id)).size).toBe(app.schedule.locations.length);
  });
});

describe('defineApp refuses', () => {
  it('a trigger to a function that does not exist', () => {
    const define = broken((copy) => {
      copy.triggers['parse-typo'] = { subscriber: 'parse-forcast', filter: { type: eventTypes.objectCreated } };
    });
    expect(define).toThrow('app definition: trigger "parse-typo" subscribes "parse-forcast", which is not a function');
  });

  it('a route to a function that does not exist', () => {
    const define = broken((copy) => {
      copy.routes['/status/'] = { function: 'status' };
    });
    expect(define).toThrow('app definition: route "/status/" points at "status", which is not a function');
  });

  it('a dead-letter sink that is not a function', () => {
    const define = broken((copy) => {
      copy.delivery.deadLetterSink = 'dead-letter';
    });
    expect(define).toThrow('app definition: delivery.deadLetterSink is "dead-letter", which is not a function');
  });

  it('a trigger whose own dead-letter sink is not a function', () => {
    const define = broken((copy) => {
      (copy.triggers['parse-new-forecasts'] as { delivery?: object }).delivery = { ...app.delivery, deadLetterSink: 'nowhere' };
    });
    expect(define).toThrow('app definition: trigger "parse-new-forecasts" dead-letters to "nowhere", which is not a function');
  });

  it('a trigger subscribing the dead-letter sink', () => {
    const define = broken((copy) => {
      copy.triggers['keep-everything'] = { subscriber: 'dead-letters', filter: { type: eventTypes.objectCreated } };
    });
    expect(define).toThrow('app definition: trigger "keep-everything" subscribes the dead-letter sink "dead-letters"');
  });

  it('a handler path that is not functions/<name>/index.ts', () => {
    const define = broken((copy) => {
      (copy.functions['get-forecast'] as { handler: string }).handler = 'functions/api/index.ts';
    });
    expect(define).toThrow('app definition: function "get-forecast" must live in functions/get-forecast/index.ts');
  });

  it('two locations with the same id', () => {
    const define = broken((copy) => {
      copy.schedule.locations = [...app.schedule.locations, { ...(app.schedule.locations[0] as (typeof app.schedule.locations)[number]), name: 'Madrid again' }];
    });
    expect(define).toThrow('app definition: schedule.locations has a duplicate id');
  });

  it('a function using the object store without declaring its buckets', () => {
    const define = broken((copy) => {
      delete (copy.functions['dead-letters'] as { buckets?: object }).buckets;
    });
    expect(define).toThrow('app definition: function "dead-letters" uses objectStore but declares no buckets');
  });

  it('buckets declared by a function that does not use the object store', () => {
    const define = broken((copy) => {
      (copy.functions['get-forecast'] as { buckets?: object }).buckets = { forecasts: ['read'] };
    });
    expect(define).toThrow('app definition: function "get-forecast" declares buckets but does not use objectStore');
  });

  it('a bucket the app does not have, or one declared with no access', () => {
    const unknown = broken((copy) => {
      (copy.functions['parse-forecast'] as { buckets?: object }).buckets = { forecast: ['read'] };
    });
    expect(unknown).toThrow('app definition: function "parse-forecast" declares bucket "forecast", which the app does not have');
    const empty = broken((copy) => {
      (copy.functions['parse-forecast'] as { buckets?: object }).buckets = { forecasts: [] };
    });
    expect(empty).toThrow('app definition: function "parse-forecast" declares bucket "forecasts" with no access');
  });

  it('a scale minimum above its maximum', () => {
    const define = broken((copy) => {
      (copy.functions['parse-forecast'] as { scale: { min: number; max: number } }).scale = { min: 4, max: 2 };
    });
    expect(define).toThrow('app definition: function "parse-forecast" has scale.min above scale.max');
  });
});

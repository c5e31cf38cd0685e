// The knative-forecast app: the single source of truth for its topology. `npm run dev` runs
// it locally; the cluster rendering turns the same object into Knative resources.
// To add a function: `npm run new-function -- <name>` adds its folder and its entry here.
import { bucketSource, eventTypes } from '../functions/lib/events/types.ts';
import { defineApp } from './app-definition.ts';
import { configuredLocations } from './locations.ts';

export const app = defineApp({
  name: 'knative-forecast',
  schedule: { cron: '1 */4 * * *', locations: configuredLocations(), runAtStart: true },
  buckets: {
    forecasts: { anonymousRead: false, notify: { events: ['s3:ObjectCreated:*'], via: 'minio-events' } },
    web: { anonymousRead: true },
    // What the broker gave up on, one JSON object per event; `npm run replay-dead-letters -- --from-bucket` sends them again.
    'dead-letters': { anonymousRead: false },
  },
  functions: {
    'download-forecast': {
      handler: 'functions/download-forecast/index.ts',
      uses: ['objectStore'],
      // It asks whether a document is stored (HEAD: read) before storing it.
      buckets: { forecasts: ['read', 'write'] },
      scale: { min: 0, max: 1, concurrency: 1 },
      resources: { cpu: '100m', memory: '128Mi' },
    },
    'parse-forecast': {
      handler: 'functions/parse-forecast/index.ts',
      uses: ['objectStore', 'latestStore', 'historyStore'],
      buckets: { forecasts: ['read'] },
      scale: { min: 0, max: 3 },
      resources: { cpu: '100m', memory: '128Mi' },
    },
    'get-forecast': {
      handler: 'functions/get-forecast/index.ts',
      uses: ['latestStore', 'historyStore'],
      scale: { min: 1, max: 5, concurrency: 50 },
      resources: { cpu: '100m', memory: '128Mi' },
    },
    'reload-forecast': {
      handler: 'functions/reload-forecast/index.ts',
      uses: ['auditStore', 'eventSink', 'tokenVerifier'],
      scale: { min: 0, max: 1 },
      resources: { cpu: '50m', memory: '96Mi' },
    },
    'minio-events': {
      handler: 'functions/minio-events/index.ts',
      uses: ['eventSink'],
      scale: { min: 1, max: 2, concurrency: 50 },
      resources: { cpu: '50m', memory: '96Mi' },
    },
    'dead-letters': {
      handler: 'functions/dead-letters/index.ts',
      uses: ['objectStore'],
      buckets: { 'dead-letters': ['write'] },
      scale: { min: 0, max: 1 },
      resources: { cpu: '50m', memory: '96Mi' },
    },
  },
  triggers: {
    'parse-new-forecasts': {
      subscriber: 'parse-forecast',
      filter: { type: eventTypes.objectCreated, source: bucketSource('forecasts') },
    },
    'download-on-schedule': { subscriber: 'download-forecast', filter: { type: eventTypes.schedule } },
    'download-on-reload': { subscriber: 'download-forecast', filter: { type: eventTypes.reloadRequested } },
    'record-reload-result': { subscriber: 'reload-forecast', filter: { type: eventTypes.downloadCompleted } },
  },
  delivery: { retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S', deadLetterSink: 'dead-letters' },
  databases: {
    latest: { engine: 'mongodb', database: 'forecast', collection: 'latest' },
    history: { engine: 'postgres', database: 'forecast' },
  },
  auth: { realm: 'forecast', adminRole: 'forecast-admin', clientId: 'forecast-web', reloadsPerMinute: 2 },
  routes: {
    '/api/': { function: 'get-forecast' },
    '/admin/': { function: 'reload-forecast', auth: 'admin' },
    '/': { bucket: 'web' },
  },
});

export type App = typeof app;
export type FunctionName = keyof App['functions'];

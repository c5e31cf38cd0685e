// eventSink: CloudEvents POSTed to K_SINK, which the function's SinkBinding sets.
import { httpEventSink } from '../../events/event-sink.ts';
import { requireEnv } from '../services.ts';
import type { ClusterServiceFactory } from './backing.ts';

export const eventSink: ClusterServiceFactory<'eventSink'> = async ({ env }) => httpEventSink(requireEnv(env, 'K_SINK'));

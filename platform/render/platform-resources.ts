// The platform's own objects (everything but the upstream install manifests): databases,
// Kafka, MinIO, Keycloak, oauth2-proxy, the edge proxy and the Knative settings, for one profile.
import type { PlatformContext } from '../components/context.ts';
import { renderEdge } from '../components/edge/objects.ts';
import { renderKafka } from '../components/kafka.ts';
import { renderKeycloak } from '../components/keycloak/objects.ts';
import { renderKnativeConfig, type KnativeConfigOptions } from '../components/knative-config.ts';
import { renderMinio } from '../components/minio/objects.ts';
import { renderMongodb } from '../components/mongodb.ts';
import { renderOauth2Proxy } from '../components/oauth2-proxy/objects.ts';
import { renderPostgres } from '../components/postgres.ts';
import type { KubeObject } from './kube-object.ts';

export function renderPlatform(ctx: PlatformContext, knative: KnativeConfigOptions): KubeObject[] {
  return [
    ...renderKnativeConfig(ctx, knative),
    ...(ctx.profile === 'default' ? renderKafka(ctx) : []),
    ...renderPostgres(ctx),
    ...renderMongodb(ctx),
    ...renderMinio(ctx),
    ...renderKeycloak(ctx),
    ...renderOauth2Proxy(ctx),
    ...renderEdge(ctx),
  ];
}

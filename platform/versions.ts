// Every upstream version this project installs, in one place. Nothing else names a version,
// an image tag or a release URL: components read them from here. Each pin says which upstream
// release it is; bump them together with the schemas the tests validate against.

/** Kubernetes the platform needs: Knative ≥ 1.22 requires 1.34. */
export const minimumKubernetes = { major: 1, minor: 34 } as const;

export interface ReleaseAsset {
  /** File name of the release asset. */
  file: string;
  url: string;
  /** Installed only by some profiles (e.g. the in-memory broker for --small). */
  optional?: boolean;
}

const knativeRelease = (repo: string, version: string, file: string): ReleaseAsset => ({
  file,
  url: `https://github.com/${repo}/releases/download/knative-v${version}/${file}`,
});

/** Knative 1.23.0 (serving, net-kourier, eventing, eventing-kafka-broker). */
export const knativeVersion = '1.23.0';

export const versions = {
  knativeServing: {
    version: knativeVersion,
    assets: {
      crds: knativeRelease('knative/serving', knativeVersion, 'serving-crds.yaml'),
      core: knativeRelease('knative/serving', knativeVersion, 'serving-core.yaml'),
    },
  },
  netKourier: {
    version: knativeVersion,
    assets: { kourier: knativeRelease('knative-extensions/net-kourier', knativeVersion, 'kourier.yaml') },
  },
  knativeEventing: {
    version: knativeVersion,
    assets: {
      crds: knativeRelease('knative/eventing', knativeVersion, 'eventing-crds.yaml'),
      core: knativeRelease('knative/eventing', knativeVersion, 'eventing-core.yaml'),
      inMemoryChannel: { ...knativeRelease('knative/eventing', knativeVersion, 'in-memory-channel.yaml'), optional: true },
      mtChannelBroker: { ...knativeRelease('knative/eventing', knativeVersion, 'mt-channel-broker.yaml'), optional: true },
    },
  },
  eventingKafkaBroker: {
    version: knativeVersion,
    assets: {
      controller: knativeRelease('knative-extensions/eventing-kafka-broker', knativeVersion, 'eventing-kafka-controller.yaml'),
      broker: knativeRelease('knative-extensions/eventing-kafka-broker', knativeVersion, 'eventing-kafka-broker.yaml'),
    },
  },
  /** Strimzi 1.2.0: KRaft only, kafka.strimzi.io/v1. */
  strimzi: {
    version: '1.2.0',
    assets: { operator: { file: 'strimzi-cluster-operator-1.2.0.yaml', url: 'https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml' } },
  },
  /**
   * Percona Operator for MongoDB v1.22.0, with the Percona Server for MongoDB it was released
   * with (8.0.19-7; amd64 image digest sha256:779378a9f52cd9e617d0c356053b4b9c97209b0b759aa819300427836f6f2c66,
   * pinned by tag so arm64 laptops get their own image).
   */
  perconaMongodb: {
    version: '1.22.0',
    serverImage: 'percona/percona-server-mongodb:8.0.19-7',
    /** Percona Backup for MongoDB of the same release; the CR names it even with backups off. */
    backupImage: 'percona/percona-backup-mongodb:2.12.0',
    assets: { bundle: { file: 'bundle.yaml', url: 'https://raw.githubusercontent.com/percona/percona-server-mongodb-operator/v1.22.0/deploy/bundle.yaml' } },
  },
  /** Zalando postgres-operator v2.0.1. */
  zalandoPostgres: { version: '2.0.1', postgresMajor: '17' },
  /**
   * MinIO community edition: source-only since October 2025, its Docker Hub repository removed
   * in September 2026; quay.io still serves the archived images, the last of them this one.
   */
  minio: { image: 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z' },
  /** Keycloak 26.7.3 (Quarkus distribution). */
  keycloak: { version: '26.7.3', image: 'quay.io/keycloak/keycloak:26.7.3' },
  /**
   * The edge proxy: NGINX 1.29.5 (mainline) in nginx's unprivileged image (uid 101, listens on
   * 8080), nginx/docker-nginx-unprivileged release 1.29.5. Pinned by tag; no digest of it is
   * recorded yet.
   */
  edgeNginx: { version: '1.29.5', image: 'docker.io/nginxinc/nginx-unprivileged:1.29.5-alpine' },
  /** oauth2-proxy v7.15.3. */
  oauth2Proxy: { version: '7.15.3', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.3' },
  /** Function images run on Node 24 (faas runtimes need ≥ 22; Node 20 is end-of-life). */
  nodeRuntime: { major: 24 },
  /**
   * The base of the function images: Node.js 24.11.1 (an LTS release of the "Krypton" line) on
   * Debian 12 slim, the official image's multi-platform index. The digest is the one many public
   * projects pin for this tag; it could not be pulled from this machine (no internet), so
   * `npm run images` checks it when it first copies the base into the cluster's registry.
   */
  nodeBaseImage: {
    image: 'docker.io/library/node:24.11.1-bookworm-slim',
    digest: 'sha256:48abc13a19400ca3985071e287bd405a1d99306770eb81d61202fb6b65cf0b57',
  },
} as const;

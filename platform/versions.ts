// Every upstream version this project installs, in one place. Nothing else names a version,
// an image tag or a release URL: components read them from here. Each pin says which upstream
// release it is; bump them together with the schemas the tests validate against.

/** Kubernetes the platform needs: Knative ≥ 1.22 requires 1.34. */
export const minimumKubernetes = { major: 1, minor: 34 } as const;

export interface ReleaseAsset {
  /** File name of the release asset. */
  file: string;
  url: string;
  /**
   * sha256 of the released file, checked whenever it is downloaded. Absent only where no
   * byte-exact copy of the release file has been verified (the comment on the component says why).
   */
  sha256?: string;
}

/** An upstream release installed from its manifests, as a manifest mirror lays it out: `<component>/<release>/<file>`. */
export interface UpstreamRelease {
  component: string;
  /** The release tag, also the mirror's version folder. */
  release: string;
  version: string;
  /** In install order. */
  assets: Record<string, ReleaseAsset>;
}

const knativeRelease = (repo: string, version: string, file: string, sha256?: string): ReleaseAsset => ({
  file,
  url: `https://github.com/${repo}/releases/download/knative-v${version}/${file}`,
  ...(sha256 ? { sha256 } : {}),
});

const zalandoManifest = (file: string, sha256: string): ReleaseAsset => ({
  file,
  url: `https://raw.githubusercontent.com/zalando/postgres-operator/v2.0.1/manifests/${file}`,
  sha256,
});

/** Knative 1.23.0 (serving, net-kourier, eventing, eventing-kafka-broker). */
export const knativeVersion = '1.23.0';
const knativeTag = `v${knativeVersion}`;

export const versions = {
  knativeServing: {
    component: 'knative-serving',
    release: knativeTag,
    version: knativeVersion,
    assets: {
      crds: knativeRelease('knative/serving', knativeVersion, 'serving-crds.yaml', 'b172ff4901ed50f8e4e09ff8616e54d22e264df7086ce8cb74f513a04812fe74'),
      core: knativeRelease('knative/serving', knativeVersion, 'serving-core.yaml', 'be3f16c9c0ac9276cc173ef04871aaeac78537f9edb116310caa02f016e9cbc2'),
    },
  },
  netKourier: {
    component: 'net-kourier',
    release: knativeTag,
    version: knativeVersion,
    assets: { kourier: knativeRelease('knative-extensions/net-kourier', knativeVersion, 'kourier.yaml', 'cded0c3c1d7669b1aa9f7484234b454ff3940a2b54a27d5ec4825c2d4003d01d') },
  },
  knativeEventing: {
    component: 'knative-eventing',
    release: knativeTag,
    version: knativeVersion,
    assets: {
      crds: knativeRelease('knative/eventing', knativeVersion, 'eventing-crds.yaml', '20da395bc5a1de2633907d229180a1db3dd4a53fae541c24c6719de0adba8fb8'),
      core: knativeRelease('knative/eventing', knativeVersion, 'eventing-core.yaml', '9af6b3e7a7ae7e26de0018806226d044c0e5ff2612c1530ddc3f413e77b0b42b'),
      /** The in-memory channel and its broker: the --small profile's broker. */
      inMemoryChannel: knativeRelease('knative/eventing', knativeVersion, 'in-memory-channel.yaml', '5ccc661337215e5b773648223bbf899c74fb316120983bd2c074c90db08c4c4d'),
      mtChannelBroker: knativeRelease('knative/eventing', knativeVersion, 'mt-channel-broker.yaml', '2cd56ab5cbd40ab5c11c3019a88c78c6b9df9deb44732dfbed15f638818584a3'),
    },
  },
  /**
   * The Kafka broker's control plane and data plane. No byte-exact copy of the data-plane release
   * file has been verified (its receiver image digest is not known here), so it carries no sha256.
   */
  eventingKafkaBroker: {
    component: 'eventing-kafka-broker',
    release: knativeTag,
    version: knativeVersion,
    assets: {
      controller: knativeRelease('knative-extensions/eventing-kafka-broker', knativeVersion, 'eventing-kafka-controller.yaml', 'd969623c82ee2de280c4bd10cfedc9b9aa472e29b7553e659b7294793643d46c'),
      broker: knativeRelease('knative-extensions/eventing-kafka-broker', knativeVersion, 'eventing-kafka-broker.yaml'),
    },
  },
  /**
   * Strimzi 1.2.0: KRaft only, kafka.strimzi.io/v1. The release file is the install folder's files
   * joined; only a copy joined from the tag has been seen, so no sha256 is pinned.
   */
  strimzi: {
    component: 'strimzi',
    release: '1.2.0',
    version: '1.2.0',
    assets: { operator: { file: 'strimzi-cluster-operator-1.2.0.yaml', url: 'https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml' } },
  },
  /**
   * Percona Operator for MongoDB v1.22.0, with the Percona Server for MongoDB it was released
   * with (8.0.19-7; amd64 image digest sha256:779378a9f52cd9e617d0c356053b4b9c97209b0b759aa819300427836f6f2c66,
   * pinned by tag so arm64 laptops get their own image).
   */
  perconaMongodb: {
    component: 'percona-psmdb-operator',
    release: 'v1.22.0',
    version: '1.22.0',
    serverImage: 'percona/percona-server-mongodb:8.0.19-7',
    /** Percona Backup for MongoDB of the same release; the CR names it even with backups off. */
    backupImage: 'percona/percona-backup-mongodb:2.12.0',
    assets: {
      bundle: {
        file: 'bundle.yaml',
        url: 'https://raw.githubusercontent.com/percona/percona-server-mongodb-operator/v1.22.0/deploy/bundle.yaml',
        sha256: '9085a84704bd9a6ed65be0516507454ce5a50715c7d2c310dbd134d11a40b478',
      },
    },
  },
  /** Zalando postgres-operator v2.0.1: its manifests folder at the tag, in install order. */
  zalandoPostgres: {
    component: 'zalando-postgres-operator',
    release: 'v2.0.1',
    version: '2.0.1',
    postgresMajor: '17',
    assets: {
      postgresqlCrd: zalandoManifest('postgresql.crd.yaml', 'dbe5b8b548bd9570fdcd094ba7636d306a6d41e1dbd0954bedcba788d396473d'),
      operatorConfigurationCrd: zalandoManifest('operatorconfiguration.crd.yaml', 'b2d5ddc3ea47b6d8f99f853c79cf81bdd9e02cf927d261aa06df4591c9432b64'),
      postgresTeamCrd: zalandoManifest('postgresteam.crd.yaml', 'c653274f6a79f70f78cd32c62bc58e574752e4537322d57615dd9b4a80c52246'),
      configmap: zalandoManifest('configmap.yaml', 'a691b64ad85d46abbfb913eadce1f2588acfad1a80ebec382f0f88f60a98c2ba'),
      rbac: zalandoManifest('operator-service-account-rbac.yaml', 'e2afc6cb25d38bcd3720ba7469d0f917deaec2189eedb85275e1b2024dfa650c'),
      operator: zalandoManifest('postgres-operator.yaml', 'df53a0041b1a77fdaab1936effd050afbd1af63f3fc2ee7fe1d247899c7bdcd2'),
      apiService: zalandoManifest('api-service.yaml', '1952b75ab0f18994eaca061161ee612e52cef8fde88d06558ea54b55d5b7fac1'),
    },
  },
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
  /**
   * The cluster the GitHub Actions workflow (.github/workflows/cluster.yml) starts: minikube
   * v1.37.0, whose default Kubernetes is 1.34.0, the minimum Knative 1.23 accepts.
   */
  ciMinikube: { version: 'v1.37.0', kubernetes: 'v1.34.0' },
  /** Function images run on Node 24 (faas runtimes need ≥ 22; Node 20 is end-of-life). */
  nodeRuntime: { major: 24 },
  /**
   * The base of the function images: Node.js 24.11.1 (an LTS release of the "Krypton" line) on
   * Debian 12 slim, the official image's multi-platform index. The digest is the one public
   * projects pin for this tag; `npm run images` checks the bytes against it when it first copies
   * the base into the cluster's registry.
   */
  nodeBaseImage: {
    /** The Node.js release inside it: also the one CI and `scripts/use-node.sh` run everything on. */
    nodeVersion: '24.11.1',
    image: 'docker.io/library/node:24.11.1-bookworm-slim',
    digest: 'sha256:48abc13a19400ca3985071e287bd405a1d99306770eb81d61202fb6b65cf0b57',
  },
} as const;

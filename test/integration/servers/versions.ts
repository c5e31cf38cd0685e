// Every server the integration suite runs, pinned in one place. Each entry names the upstream
// release and where the harness gets it; the cache directory of a server is keyed by its
// version, so changing a pin here is what makes the harness build or install it again.
// Pin full versions, never "latest": the cache is keyed by the exact version.
// Keycloak and oauth2-proxy are the releases the platform deploys: their versions come from
// platform/versions.ts, so the suite always tests what the cluster runs.
import { versions as platformVersions } from '../../../platform/versions.ts';

export const serverVersions = {
  /**
   * MinIO server, RELEASE.2025-10-15 plus the fixes on master up to 2026-02-12 (the community
   * edition is source-only since late 2025; this pseudo-version is what the module proxy serves).
   */
  minio: { module: 'github.com/minio/minio', version: 'v0.0.0-20260212201848-7aac2a2c5b7c' },
  /**
   * FerretDB v1.24.2: a MongoDB-wire server, run over SQLite. Built from
   * ./ferretdb (our main.go around its embeddable package); go.mod there pins the same version.
   */
  ferretdb: { module: 'github.com/FerretDB/FerretDB', version: 'v1.24.2' },
  /**
   * oauth2-proxy, the platform's release (v7.15.3). Built from ./oauth2-proxy (a module
   * requiring the release); go.mod there must pin the same version.
   */
  oauth2Proxy: { module: 'github.com/oauth2-proxy/oauth2-proxy/v7', version: `v${platformVersions.oauth2Proxy.version}` },
  /** Keycloak, the platform's release (26.7.3): the Quarkus distribution from Maven Central. */
  keycloak: { artifact: 'org.keycloak:keycloak-quarkus-dist', version: platformVersions.keycloak.version, minimumJava: 17 },
  /**
   * PostgreSQL 15 from Debian 12's packages (postgresql-15), used where it is installed. The
   * cluster's Zalando database runs a newer major (platform/versions.ts); Debian 12 packages only
   * 15, and the app's SQL needs nothing newer.
   */
  postgres: { major: 15, binDir: '/usr/lib/postgresql/15/bin' },
  /**
   * The CNCF distribution registry v3.1.2 (the project behind the `registry` image that the
   * microk8s and minikube registry addons run), for pushing function images, built with a
   * plain `go install` of its cmd/registry.
   */
  registry: { module: 'github.com/distribution/distribution/v3', version: 'v3.1.2' },
} as const;

export type ServerName = keyof typeof serverVersions;

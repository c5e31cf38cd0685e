// What every platform component renders from: the app definition, the namespace, the profile
// and the secrets generated for this cluster (never committed, never rendered into git by default).
import { randomBytes } from 'node:crypto';
import type { App } from '../app.ts';

export interface PlatformSecrets {
  minioRootUser: string;
  minioRootPassword: string;
  /** Sent by MinIO to minio-events with each notification. */
  minioWebhookToken: string;
  keycloakBootstrapPassword: string;
  /** The realm's `admin` user, printed once by the bootstrap. */
  adminPassword: string;
  viewerPassword: string;
  oauth2ClientSecret: string;
  /** The app's MongoDB user (readWrite on its database only). */
  mongodbPassword: string;
  /** 32 bytes, base64url: oauth2-proxy's cookie encryption key. */
  oauth2CookieSecret: string;
}

export interface PlatformContext {
  app: App;
  namespace: string;
  profile: 'default' | 'small';
  secrets: PlatformSecrets;
  /** Public origin of the edge, e.g. http://forecast.192.168.49.2.sslip.io */
  publicUrl: string;
}

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

export function generateSecrets(): PlatformSecrets {
  return {
    minioRootUser: `forecast-${secret(6)}`,
    minioRootPassword: secret(24),
    minioWebhookToken: secret(24),
    keycloakBootstrapPassword: secret(18),
    adminPassword: secret(12),
    viewerPassword: secret(12),
    oauth2ClientSecret: secret(24),
    mongodbPassword: secret(24),
    oauth2CookieSecret: randomBytes(32).toString('base64url').slice(0, 32),
  };
}

// The static site as objects of the `web` bucket: which files, with which content type. Both
// the local runtime and the cluster deploy upload the site through this.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { ObjectStore } from '../functions/lib/storage/object-store.ts';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function siteContentType(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The built site (web/dist) when it exists, else the placeholder page in web/. */
export function siteDirectory(repoRoot: string): string {
  const built = join(repoRoot, 'web', 'dist');
  return existsSync(join(built, 'index.html')) ? built : join(repoRoot, 'web', 'placeholder');
}

export async function uploadSite(dir: string, objects: ObjectStore, bucket = 'web'): Promise<number> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    const key = relative(dir, path).split(sep).join('/');
    await objects.put(bucket, key, await readFile(path), { contentType: siteContentType(key) });
  }
  return files.length;
}

/**
 * How the site signs an admin in, written to the web bucket as `config.json` by whoever uploads
 * the site: the local runtime points at the development issuer (a bearer token handed back in
 * the URL fragment), the cluster at oauth2-proxy (a session cookie).
 */
export type SiteConfig = {
  auth:
    | { mode: 'dev-bearer'; signInUrl: string; signOutUrl: null }
    | { mode: 'proxy-cookie'; signInUrl: string; signOutUrl: string };
};

export async function uploadSiteConfig(config: SiteConfig, objects: ObjectStore, bucket = 'web'): Promise<void> {
  await objects.put(bucket, 'config.json', Buffer.from(JSON.stringify(config)), { contentType: 'application/json' });
}

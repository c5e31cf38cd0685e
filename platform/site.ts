// The static site as objects of the `web` bucket: which files, with which content type. Both
// the local runtime and the cluster deploy upload the site through this.
import { readdir, readFile, stat } from 'node:fs/promises';
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

/**
 * Cache-Control for a site object: Vite's hashed files under assets/ never change, so they are
 * cached for a year; everything else (index.html, config.json, the favicon) is revalidated.
 */
export function siteCacheControl(key: string): string {
  return /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(key) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** The built site, web/dist. There is no fallback page: a missing build is an error. */
export function siteDirectory(repoRoot: string): string {
  const built = join(repoRoot, 'web', 'dist');
  if (!existsSync(join(built, 'index.html'))) {
    throw new Error(`the static site is not built: ${join(built, 'index.html')} does not exist. Build it with \`npm run build:web\`.`);
  }
  return built;
}

/** What the build reads: a change to any of these makes web/dist out of date. */
const siteSources = ['web/index.html', 'web/vite.config.ts', 'web/src', 'web/public'];

/** Why web/dist needs building (missing, or older than a source file), or null when it is current. */
export async function siteBuildOutdated(repoRoot: string): Promise<string | null> {
  const builtAt = await stat(join(repoRoot, 'web', 'dist', 'index.html')).then((s) => s.mtimeMs, () => null);
  if (builtAt === null) return 'web/dist does not exist';
  for (const source of siteSources) {
    const path = join(repoRoot, source);
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    const files = info.isDirectory()
      ? (await readdir(path, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
      : [path];
    for (const file of files) {
      if ((await stat(file)).mtimeMs > builtAt) return `${relative(repoRoot, file)} changed since the last build`;
    }
  }
  return null;
}

/**
 * Builds the site with Vite (web/vite.config.ts) when web/dist is missing or older than its
 * sources, so `npm run dev` never serves a stale site. Vite is a development dependency:
 * loaded only when a build is needed.
 */
export async function ensureSiteBuilt(repoRoot: string, onBuild?: (reason: string) => void): Promise<'current' | 'built'> {
  const reason = await siteBuildOutdated(repoRoot);
  if (reason === null) return 'current';
  onBuild?.(reason);
  const { build } = await import('vite');
  await build({ configFile: join(repoRoot, 'web', 'vite.config.ts'), logLevel: 'warn' });
  return 'built';
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

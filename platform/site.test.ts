import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FilesystemObjectStore } from '../functions/lib/storage/filesystem-object-store.ts';
import { tempDir } from '../test/support/fixtures.ts';
import { siteBuildOutdated, siteCacheControl, siteContentType, siteDirectory, uploadSite } from './site.ts';

describe('the site as bucket objects', () => {
  let repo: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    repo = await tempDir('forecast-site-');
  });
  afterEach(() => repo.remove());

  it('caches only hashed assets for good', () => {
    expect(siteCacheControl('assets/index-BgjIOwQm.js')).toBe('public, max-age=31536000, immutable');
    expect(siteCacheControl('assets/index-CPfaewME.css')).toBe('public, max-age=31536000, immutable');
    for (const key of ['index.html', 'config.json', 'favicon.svg', 'apple-touch-icon.png', 'assets/logo.svg']) expect(siteCacheControl(key)).toBe('no-cache');
  });

  it('knows the content types a browser needs', () => {
    expect(siteContentType('index.html')).toBe('text/html; charset=utf-8');
    expect(siteContentType('assets/a-12345678.js')).toBe('text/javascript; charset=utf-8');
    expect(siteContentType('x.unknown')).toBe('application/octet-stream');
  });

  it('says why the build is out of date, and when it is current', async () => {
    expect(await siteBuildOutdated(repo.path)).toBe('web/dist does not exist');
    expect(() => siteDirectory(repo.path)).toThrow(/npm run build:web/);
    await mkdir(join(repo.path, 'web', 'src'), { recursive: true });
    await mkdir(join(repo.path, 'web', 'dist'), { recursive: true });
    await writeFile(join(repo.path, 'web', 'src', 'main.ts'), 'export {};');
    await writeFile(join(repo.path, 'web', 'dist', 'index.html'), '<!doctype html>');
    // Every time is set, not read from the clock: the files' times and the process's clock
    // need not agree (a test run under a fake time would see files written "in the future").
    const builtAt = new Date('2026-12-04T12:00:00Z');
    await utimes(join(repo.path, 'web', 'dist', 'index.html'), builtAt, builtAt);
    const before = new Date(builtAt.getTime() - 60_000);
    await utimes(join(repo.path, 'web', 'src', 'main.ts'), before, before);
    expect(await siteBuildOutdated(repo.path)).toBeNull();
    expect(siteDirectory(repo.path)).toBe(join(repo.path, 'web', 'dist'));
    const after = new Date(builtAt.getTime() + 60_000);
    await utimes(join(repo.path, 'web', 'src', 'main.ts'), after, after);
    expect(await siteBuildOutdated(repo.path)).toBe('web/src/main.ts changed since the last build');
  });

  it('uploads every file under its relative key with its content type', async () => {
    const dist = join(repo.path, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(join(dist, 'assets', 'app-abcdefgh.js'), 'console.log(1)');
    const store = new FilesystemObjectStore(join(repo.path, 'objects'));
    expect(await uploadSite(dist, store)).toBe(2);
    expect((await store.get('web', 'assets/app-abcdefgh.js'))?.contentType).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from((await store.get('web', 'index.html'))?.bytes ?? []).toString()).toContain('<title>ok</title>');
  });
});

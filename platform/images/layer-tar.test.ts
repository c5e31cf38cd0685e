import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.ts';
import { gzipLayer, writeTar } from './layer-tar.ts';

const run = promisify(execFile);

// GNU tar reads the archives back: the format is checked by a real reader, not by this writer.
describe('reproducible layer archives', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('forecast-tar-');
  });
  afterEach(() => dir.remove());

  const bundle = Buffer.from('console.log("hello from the bundle");\n'.repeat(40));

  it('lists sorted entries with parents, root owner, fixed mtime and modes', async () => {
    const tar = writeTar(
      [
        { path: 'app/zeta.mjs', contents: bundle },
        { path: 'app/alpha.txt', contents: Buffer.from('a\n'), mode: 0o600 },
      ],
      { mtime: 1_700_000_000 },
    );
    await writeFile(join(dir.path, 'layer.tar'), tar);
    const { stdout } = await run('tar', ['--list', '--verbose', '--numeric-owner', '--full-time', '--file', join(dir.path, 'layer.tar')], { env: { ...process.env, TZ: 'UTC' } });
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/).at(-1))).toEqual(['app/', 'app/alpha.txt', 'app/zeta.mjs']);
    expect(lines[0]).toMatch(/^drwxr-xr-x 0\/0\s+0 2023-11-14 22:13:20 app\/$/);
    expect(lines[1]).toMatch(/^-rw------- 0\/0\s+2 2023-11-14 22:13:20 app\/alpha.txt$/);
    expect(lines[2]).toMatch(new RegExp(`^-rw-r--r-- 0/0\\s+${bundle.length} 2023-11-14 22:13:20 app/zeta.mjs$`));
  });

  it('extracts to the same bytes', async () => {
    const tar = writeTar([{ path: 'app/get-forecast.mjs', contents: bundle }]);
    await writeFile(join(dir.path, 'layer.tar.gz'), gzipLayer(tar));
    await run('tar', ['--extract', '--gzip', '--file', join(dir.path, 'layer.tar.gz'), '--directory', dir.path]);
    expect(await readFile(join(dir.path, 'app/get-forecast.mjs'))).toEqual(bundle);
    expect((await stat(join(dir.path, 'app/get-forecast.mjs'))).size).toBe(bundle.length);
  });

  it('splits a long path into ustar prefix and name', async () => {
    const deep = `${'folder-with-a-long-name/'.repeat(6)}file.mjs`;
    expect(deep.length).toBeGreaterThan(100);
    await writeFile(join(dir.path, 'long.tar'), writeTar([{ path: deep, contents: Buffer.from('x') }]));
    const { stdout } = await run('tar', ['--list', '--file', join(dir.path, 'long.tar')]);
    expect(stdout.trim().split('\n').at(-1)).toBe(deep);
  });

  it('gives the same bytes for the same entries in any order', () => {
    const a = writeTar([{ path: 'app/b.mjs', contents: bundle }, { path: 'app/a.mjs', contents: Buffer.from('a') }], { mtime: 5 });
    const b = writeTar([{ path: 'app/a.mjs', contents: Buffer.from('a') }, { path: 'app/b.mjs', contents: bundle }], { mtime: 5 });
    expect(a.equals(b)).toBe(true);
    expect(gzipLayer(a).equals(gzipLayer(b))).toBe(true);
    expect(writeTar([{ path: 'app/a.mjs', contents: Buffer.from('a') }], { mtime: 6 }).equals(writeTar([{ path: 'app/a.mjs', contents: Buffer.from('a') }], { mtime: 5 }))).toBe(false);
  });

  it('writes a gzip header with no name, no mtime and the unknown OS', () => {
    const tar = writeTar([{ path: 'app/a.mjs', contents: bundle }]);
    const gz = gzipLayer(tar);
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // magic, deflate, no FNAME/FCOMMENT/FEXTRA
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(0xff);
    expect(gunzipSync(gz).equals(tar)).toBe(true);
    expect(tar.length % 512).toBe(0);
  });

  it('refuses paths that would escape or repeat', () => {
    expect(() => writeTar([{ path: '/app/a.mjs' }])).toThrow(/relative/);
    expect(() => writeTar([{ path: 'app/../etc/passwd' }])).toThrow(/normalized/);
    expect(() => writeTar([{ path: 'app/a' }, { path: 'app/a' }])).toThrow(/twice/);
    expect(() => writeTar([{ path: `${'x'.repeat(160)}/${'y'.repeat(20)}` }])).toThrow(/too long/);
  });
});

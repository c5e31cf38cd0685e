// npm run render writes three files; secrets stay in the one meant to be kept out of git.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { tempDir } from '../test/support/fixtures.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');

describe('npm run render', () => {
  it('writes the app, the platform and the generated secrets apart', async () => {
    const out = await tempDir('forecast-render-');
    try {
      await run(process.execPath, [join(repo, 'scripts', 'render.ts'), '--out', out.path, '--small']);
      const kinds = async (file: string) => parseAllDocuments(await readFile(join(out.path, file), 'utf8')).map((d) => (d.toJSON() as { kind: string }).kind);
      expect(await kinds('app.yaml')).toEqual(expect.arrayContaining(['Namespace', 'Broker', 'Service', 'Trigger', 'PingSource', 'SinkBinding']));
      const platform = await kinds('platform.yaml');
      expect(platform).toEqual(expect.arrayContaining(['postgresql', 'PerconaServerMongoDB', 'Deployment', 'ConfigMap']));
      expect(platform).not.toContain('Secret');
      expect(platform).not.toContain('Kafka'); // --small uses the in-memory broker
      expect(new Set(await kinds('secrets.yaml'))).toEqual(new Set(['Secret']));
      expect((await stat(join(out.path, 'secrets.yaml'))).mode & 0o077).toBe(0);
    } finally {
      await out.remove();
    }
  }, 60_000);
});

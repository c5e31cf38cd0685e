// A mirror written from release URLs (served here by a loopback server from ../shared/upstream,
// standing in for the release hosts) is read back by the bootstrap's mirror source; a release file
// whose bytes differ from the pin is refused. Skipped, by name, without ../shared/upstream.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMirror } from './mirror.ts';
import { loadUpstreamFiles, readMirrorIndex, type MirrorIndex } from './upstream-manifests.ts';

const upstreamDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'upstream');
const hasUpstream = existsSync(join(upstreamDir, 'index.json'));

describe.skipIf(!hasUpstream)('npm run mirror (needs ../shared/upstream)', () => {
  let server: Server;
  let base: string;
  let out: string;
  let tamper = '';
  beforeAll(async () => {
    const shared = (await readMirrorIndex(upstreamDir)) as MirrorIndex;
    server = createServer((req, res) => {
      const entry = shared.files.find((f) => f.upstreamUrl && new URL(f.upstreamUrl).pathname === req.url);
      if (!entry) return void res.writeHead(404).end();
      void readFile(join(upstreamDir, entry.path)).then((bytes) => res.end(entry.file === tamper ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    out = await mkdtemp(join(tmpdir(), 'mirror-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(out, { recursive: true, force: true });
  });
  const viaLoopback: typeof fetch = (input, init) => fetch(`${base}${new URL(String(input as string)).pathname}`, init);

  it('writes every file of both profiles, which the bootstrap then reads', async () => {
    const { index, unpinned } = await writeMirror(out, { fetch: viaLoopback });
    expect(index.files.length).toBe(18); // 4 Knative Serving + Kourier, 4 Eventing, 2 Kafka broker, Strimzi, Percona, 7 Zalando
    expect(unpinned).toEqual(['eventing-kafka-broker/v1.23.0/eventing-kafka-broker.yaml', 'strimzi/1.2.0/strimzi-cluster-operator-1.2.0.yaml']);
    const files = await loadUpstreamFiles({ kind: 'mirror', dir: out }, 'default');
    expect(files.find((f) => f.asset.file === 'serving-core.yaml')?.objects.length).toBe(59);
  });

  it('refuses a release file whose bytes differ from the pin', async () => {
    tamper = 'kourier.yaml';
    await expect(writeMirror(join(out, 'second'), { fetch: viaLoopback })).rejects.toThrow(/kourier.yaml has sha256 .* but platform\/versions.ts pins/);
    tamper = '';
  });
});

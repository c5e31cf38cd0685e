#!/usr/bin/env tsx
// npm run render -- --out <dir> [--small] [--registry localhost:32000] [--public-url http://…]
// Writes the app's Kubernetes manifests as YAML, for GitOps users and for reading: the same
// objects the deploy applies, derived from platform/app.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { argv } from 'zx';
import { app } from '../platform/app.ts';
import { defaultBacking, renderApp, taggedImages } from '../platform/render/app-resources.ts';
import { fail, runMain } from './lib/cli.ts';

await runMain(async () => {
  if (!argv.out) fail('where to? --out <dir> is required', 'npm run render -- --out manifests');
  const out = resolve(String(argv.out));
  const objects = renderApp(app, {
    images: taggedImages(app, String(argv.registry ?? 'localhost:32000')),
    broker: argv.small ? 'in-memory' : 'kafka',
    publicUrl: String(argv['public-url'] ?? 'http://forecast.127.0.0.1.sslip.io'),
    backing: defaultBacking(app),
  });
  await mkdir(out, { recursive: true });
  const file = join(out, 'app.yaml');
  await writeFile(file, objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  console.log(`wrote ${objects.length} objects to ${file}`);
});

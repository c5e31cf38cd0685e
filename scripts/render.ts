#!/usr/bin/env node
// npm run render -- --out <dir> [--small] [--registry localhost:32000] [--public-url http://…]
// Writes the manifests derived from platform/app.ts as YAML, for GitOps users and for reading:
//   app.yaml       the app on Knative (Services, Broker, Triggers, PingSource, SinkBindings)
//   platform.yaml  the platform's own objects (databases, Kafka, MinIO, Keycloak, oauth2-proxy, Knative settings)
//   secrets.yaml   Secrets with values generated for this render: keep it out of git
// The upstream install manifests (Knative, Strimzi, the operators) are the pinned releases in
// platform/versions.ts and are not copied here.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { argv } from 'zx';
import { app } from '../platform/app.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { defaultBacking, renderApp, taggedImages } from '../platform/render/app-resources.ts';
import { manifestYaml } from '../platform/render/manifest-yaml.ts';
import { renderPlatform } from '../platform/render/platform-resources.ts';
import { fail, runMain } from './lib/cli.ts';

await runMain(async () => {
  if (!argv.out) fail('where to? --out <dir> is required', 'npm run render -- --out manifests');
  const out = resolve(String(argv.out));
  const publicUrl = String(argv['public-url'] ?? 'http://forecast.127.0.0.1.sslip.io');
  const registry = String(argv.registry ?? 'localhost:32000');
  const profile = argv.small ? 'small' : 'default';
  const objects = renderApp(app, { images: taggedImages(app, registry), broker: profile === 'small' ? 'in-memory' : 'kafka', publicUrl, backing: defaultBacking(app) });
  const platform = renderPlatform(
    { app, namespace: app.name, profile, secrets: generateSecrets(), publicUrl },
    { domain: new URL(publicUrl).hostname.split('.').slice(1).join('.') || 'sslip.io', registry },
  );
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'app.yaml'), manifestYaml(objects));
  await writeFile(join(out, 'platform.yaml'), manifestYaml(platform.filter((o) => o.kind !== 'Secret')));
  await writeFile(join(out, 'secrets.yaml'), `# Generated for this render only. Keep it out of git.\n${manifestYaml(platform.filter((o) => o.kind === 'Secret'))}`, { mode: 0o600 });
  console.log(`wrote ${objects.length} app objects, ${platform.length} platform objects (secrets in secrets.yaml) to ${out}`);
});

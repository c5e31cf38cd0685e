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
import { app } from '../platform/app.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { defaultBacking, renderApp, taggedImages } from '../platform/render/app-resources.ts';
import { manifestYaml } from '../platform/render/manifest-yaml.ts';
import { renderPlatform } from '../platform/render/platform-resources.ts';
import { command, runCommand } from './lib/options.ts';

const render = command({
  run: 'npm run render --',
  description: 'Writes the manifests derived from platform/app.ts as YAML: app.yaml, platform.yaml and secrets.yaml (keep it out of git).',
  options: {
    out: { type: 'string', value: 'dir', required: true, description: 'the directory to write the three files to' },
    small: { type: 'boolean', description: 'the small profile: the in-memory broker instead of Kafka' },
    registry: { type: 'string', value: 'host:port', default: 'localhost:32000', description: 'the registry the cluster pulls the function images from' },
    'public-url': { type: 'string', value: 'url', default: 'http://forecast.127.0.0.1.sslip.io', check: httpUrl, description: 'where the site is reached; its domain is the routes\' domain' },
  },
  examples: ['npm run render -- --out rendered', 'npm run render -- --out rendered --small --registry localhost:5000'],
});

await runCommand(render, async ({ values }) => {
  const out = resolve(values.out);
  const publicUrl = values['public-url'];
  const registry = values.registry;
  const profile = values.small ? 'small' : 'default';
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

function httpUrl(text: string): string | undefined {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol) ? undefined : 'must be an http(s) URL';
}

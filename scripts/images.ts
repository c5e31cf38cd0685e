#!/usr/bin/env node
// npm run images -- --registry <host:port> [--insecure] [--base <image>@sha256:…] [--platform linux/arm64] [--tag latest] [--json]
// Builds an image for every function of platform/app.ts without a Docker daemon (an esbuild
// bundle as one layer on the pinned Node base) and pushes it to the registry the cluster pulls
// from: microk8s `localhost:32000`, minikube's addon (port-forwarded) `localhost:5000`. Prints
// each image by digest. Unchanged functions are not sent again.
import { chalk } from 'zx';
import { app } from '../platform/app.ts';
import type { Platform } from '../platform/images/oci-image.ts';
import { pushFunctionImages, type ImagesEvent } from '../platform/images/push-images.ts';
import { command, runCommand } from './lib/options.ts';

const images = command({
  run: 'npm run images --',
  description: 'Builds an image for every function of platform/app.ts, with no Docker daemon, pushes it to the registry the cluster pulls from and prints each by digest.',
  options: {
    registry: { type: 'string', value: 'host:port', required: true, description: 'the registry to push to: microk8s localhost:32000, minikube <minikube ip>:5000' },
    insecure: { type: 'boolean', description: 'plain HTTP to the registry, as minikube\'s add-on speaks (without it: only for localhost and 127.0.0.0/8)' },
    base: { type: 'string', value: 'image@sha256:…', description: 'the Node.js base image, by digest (default: the one pinned in platform/versions.ts)' },
    platform: { type: 'string', value: 'os/architecture', check: platformText, description: 'the platform the cluster nodes run, e.g. linux/arm64 (default: this machine\'s)' },
    tag: { type: 'string', value: 'tag', description: 'the tag pushed along with each digest (default: latest)' },
    'source-url': { type: 'string', value: 'url', description: 'the source repository in each image\'s org.opencontainers.image.source label (default: the origin remote)' },
    json: { type: 'boolean', description: 'print only the references, as JSON, for scripts' },
  },
  examples: ['npm run images -- --registry localhost:32000', 'npm run images -- --registry 192.168.49.2:5000 --insecure --json'],
});

await runCommand(images, async ({ values }) => {
  const json = values.json;
  const human = process.stdout.isTTY && !process.env.CI && !json;
  const started = performance.now();
  const uploaded = { blobs: 0, bytes: 0, mounted: 0 };
  const onEvent = (event: ImagesEvent) => {
    if (event.kind === 'blob-uploaded') Object.assign(uploaded, { blobs: uploaded.blobs + 1, bytes: uploaded.bytes + event.size });
    if (event.kind === 'blob-mounted') uploaded.mounted++;
    const line = describe(event);
    if (line && !json) process.stderr.write(`${human ? chalk.dim(line) : line}\n`);
  };
  const pushed = await pushFunctionImages({
    registry: values.registry,
    functions: app.functions,
    appName: app.name,
    ...(values.insecure ? { insecure: true } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    ...(values.platform !== undefined ? { platform: parsePlatform(values.platform) } : {}),
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(values['source-url'] !== undefined ? { sourceUrl: values['source-url'] } : {}),
    onEvent,
  });
  if (json) {
    console.log(JSON.stringify(Object.fromEntries(pushed.map((p) => [p.name, p.reference])), null, 2));
    return;
  }
  for (const p of pushed) console.log(`${p.name.padEnd(18)} ${p.reference}${p.pushed ? '' : human ? chalk.dim('  (unchanged)') : '  (unchanged)'}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`${pushed.filter((p) => p.pushed).length} of ${pushed.length} images pushed in ${seconds} s; ${uploaded.blobs} blobs (${(uploaded.bytes / 1e6).toFixed(1)} MB) uploaded, ${uploaded.mounted} mounted`);
});

function describe(event: ImagesEvent): string | undefined {
  switch (event.kind) {
    case 'base-ready':
      return `base ${event.platform.os}/${event.platform.architecture} ${event.digest} in ${event.repository}`;
    case 'bundled':
      return `${event.name}: bundle ${(event.bytes / 1e6).toFixed(2)} MB, layer ${(event.layerBytes / 1e6).toFixed(2)} MB gzipped, revision ${event.revision.slice(0, 12)}`;
    case 'blob-uploaded':
      return `  uploaded ${event.digest.slice(0, 19)}… (${(event.size / 1e6).toFixed(2)} MB) to ${event.repository}`;
    case 'blob-mounted':
      return `  mounted ${event.digest.slice(0, 19)}… into ${event.repository} from ${event.from}`;
    default:
      return undefined;
  }
}

function platformText(text: string): string | undefined {
  const [os, architecture] = text.split('/');
  return os && architecture ? undefined : 'must be os/architecture, e.g. linux/amd64 or linux/arm64, as the cluster nodes run';
}

/** A --platform value platformText accepted. */
function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return { os, architecture, ...(variant ? { variant } : {}) };
}

#!/usr/bin/env node
// npm run images -- --registry <host:port> [--insecure] [--base <image>@sha256:…] [--platform linux/arm64] [--tag latest] [--json]
// Builds an image for every function of platform/app.ts without a Docker daemon (an esbuild
// bundle as one layer on the pinned Node base) and pushes it to the registry the cluster pulls
// from: microk8s `localhost:32000`, minikube's addon (port-forwarded) `localhost:5000`. Prints
// each image by digest. Unchanged functions are not sent again.
import { argv, chalk } from 'zx';
import { app } from '../platform/app.ts';
import type { Platform } from '../platform/images/oci-image.ts';
import { pushFunctionImages, type ImagesEvent } from '../platform/images/push-images.ts';
import { RegistryError } from '../platform/images/registry-client.ts';
import { fail, runMain } from './lib/cli.ts';

await runMain(async () => {
  if (!argv.registry || argv.registry === true) {
    fail('which registry? --registry <host:port> is required', 'npm run images -- --registry localhost:32000   (microk8s: `microk8s enable registry` first)');
  }
  const json = Boolean(argv.json);
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
    registry: String(argv.registry),
    functions: app.functions,
    appName: app.name,
    ...(argv.insecure ? { insecure: true } : {}),
    ...(typeof argv.base === 'string' ? { base: argv.base } : {}),
    ...(typeof argv.platform === 'string' ? { platform: parsePlatform(argv.platform) } : {}),
    ...(typeof argv.tag === 'string' ? { tag: argv.tag } : {}),
    ...(typeof argv['source-url'] === 'string' ? { sourceUrl: argv['source-url'] } : {}),
    onEvent,
  }).catch((error: unknown) => {
    if (error instanceof RegistryError) fail(error.message, error.next);
    throw error;
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

function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) fail(`--platform ${text} is not os/architecture`, 'e.g. --platform linux/amd64 or linux/arm64, as the cluster nodes run');
  return { os, architecture, ...(variant ? { variant } : {}) };
}

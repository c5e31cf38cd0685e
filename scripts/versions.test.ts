// `npm run versions` lists every pin the rendered platform uses, and the README says which images
// are held by tag only.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { app } from '../platform/app.ts';
import { generateSecrets } from '../platform/components/context.ts';
import { renderPlatform } from '../platform/render/platform-resources.ts';
import { versions } from '../platform/versions.ts';
import { allPins, pinTable } from './versions.ts';

const containerImages = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(containerImages);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'image' && typeof inner === 'string' ? [inner] : containerImages(inner)));
};

describe('npm run versions', () => {
  const pins = allPins();

  it('lists every image the rendered platform runs, and each release file of platform/versions.ts', () => {
    const images = new Set(pins.filter((p) => p.kind === 'image').map((p) => p.reference));
    for (const profile of ['default', 'small'] as const) {
      const objects = renderPlatform({ app, namespace: app.name, profile, secrets: generateSecrets(), publicUrl: 'http://forecast.192.0.2.10.sslip.io:30080' }, { domain: '192.0.2.10.sslip.io', registry: 'localhost:32000' });
      // Kafka's image is Strimzi's own choice for the Kafka version its release supports.
      for (const image of containerImages(objects)) expect(images, image).toContain(image);
    }
    const files = pins.filter((p) => p.kind === 'release file').map((p) => p.reference);
    for (const entry of Object.values(versions)) {
      for (const asset of Object.values((entry as { assets?: Record<string, { url: string }> }).assets ?? {})) expect(files).toContain(asset.url);
    }
  });

  it('holds the function images\' base by digest, and says so', () => {
    expect(pins.find((p) => p.name === 'nodeBaseImage')).toMatchObject({ heldBy: 'digest', reference: `${versions.nodeBaseImage.image}@${versions.nodeBaseImage.digest}` });
    expect(pinTable(pins)).toMatch(/^nodeBaseImage +image +24\.\d+\.\d+ +digest +docker\.io\/library\/node:/m);
  });

  it('is matched by the README, which names every image held by tag only', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const byTag = pins.filter((p) => p.kind === 'image' && p.heldBy === 'tag');
    expect(byTag.length).toBeGreaterThan(0);
    for (const pin of byTag) expect(readme, pin.reference).toContain(`\`${pin.reference}\``);
  });
});

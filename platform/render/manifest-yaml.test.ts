// The YAML `npm run render` writes must read back as the very objects rendered, whether the
// reader follows YAML 1.1 (kubectl, Flux, Argo CD through sigs.k8s.io/yaml) or YAML 1.2.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { app } from '../app.ts';
import { generateSecrets } from '../components/context.ts';
import { defaultBacking, renderApp, taggedImages } from './app-resources.ts';
import { manifestYaml } from './manifest-yaml.ts';
import { renderPlatform } from './platform-resources.ts';

const publicUrl = 'http://forecast.127.0.0.1.sslip.io';

describe.each(['default', 'small'] as const)('manifestYaml, %s profile', (profile) => {
  const objects = [
    ...renderApp(app, { images: taggedImages(app, 'localhost:32000'), broker: profile === 'small' ? 'in-memory' : 'kafka', publicUrl, backing: defaultBacking(app) }),
    ...renderPlatform({ app, namespace: app.name, profile, secrets: generateSecrets(), publicUrl }, { domain: 'sslip.io', registry: 'localhost:32000' }),
  ];
  const text = manifestYaml(objects);
  const expected = JSON.parse(JSON.stringify(objects)) as unknown;

  it.each(['1.1', '1.2'] as const)('reads back as the rendered objects under YAML %s', (version) => {
    const documents = parseAllDocuments(text, { version });
    expect(documents.flatMap((d) => d.errors)).toEqual([]);
    expect(documents.map((d) => d.toJSON() as unknown)).toEqual(expected);
  });

  it('quotes the strings YAML 1.1 would read as booleans, such as MinIO’s MINIO_BROWSER=off', () => {
    expect(text).toContain('value: "off"');
    expect(text).not.toMatch(/: (off|on|yes|no|y|n)$/im);
  });
});

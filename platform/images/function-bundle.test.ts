import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.ts';
import { app } from '../app.ts';
import type { ServiceName } from '../../functions/lib/runtime/services.ts';
import { bundleFunction, bundleFunctions, optionalModules, serviceFactoryModule, spanExporterFile } from './function-bundle.ts';

const root = join(import.meta.dirname, '../..');

// esbuild takes a few seconds per function on a busy machine.
describe('function bundles', { timeout: 90_000 }, () => {
  it('bundle a real function into one ES module, the same bytes alone or built with others', async () => {
    const entry = (name: 'minio-events' | 'get-forecast') => ({ name, ...app.functions[name] });
    const [a, [other, b]] = await Promise.all([bundleFunction({ root, ...entry('minio-events') }), bundleFunctions(root, [entry('get-forecast'), entry('minio-events')])]);
    expect(b?.name).toBe('minio-events');
    expect(a.code.equals(b!.code)).toBe(true);
    expect(other?.inputs).toContain('functions/get-forecast/index.ts');
    expect(a.inputs).not.toContain('functions/get-forecast/index.ts');
    expect(a.code.toString('utf8', 0, 200)).toMatch(/^import \{ createRequire as __createRequire \} from 'node:module';/);
    expect(a.inputs).toContain('functions/minio-events/index.ts');
    expect(a.inputs).toContain('functions/lib/runtime/main.ts');
    expect(a.inputs.some((path) => path.includes('@electric-sql/pglite'))).toBe(false);
    // What is left out is only what the allow-list explains.
    for (const name of a.optional) expect(optionalModules).toHaveProperty([name]);
    expect(a.inputs).toContain('functions/lib/runtime/cluster/event-sink.ts');
    expect(a.code.toString()).not.toContain(root); // no absolute path of this machine
  });

  it('hold the client libraries of the services a function declares, and no others', async () => {
    // The package each service's cluster factory brings in; eventSink brings only the project's code.
    const clients: Record<ServiceName, string[]> = {
      objectStore: ['minio'],
      latestStore: ['mongodb', 'pg'],
      historyStore: ['pg'],
      auditStore: ['pg'],
      eventSink: [],
      tokenVerifier: ['jose'],
    };
    const packages = (inputs: string[]) => new Set(inputs.flatMap((input) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? []));
    const names = Object.keys(app.functions) as (keyof typeof app.functions)[];
    const bundles = await bundleFunctions(root, names.map((name) => ({ name, ...app.functions[name] })));
    const factories = Object.keys(clients) as ServiceName[];
    for (const bundle of bundles) {
      const { uses } = app.functions[bundle.name as keyof typeof app.functions];
      const held = packages(bundle.inputs);
      for (const service of factories) {
        expect(bundle.inputs.includes(serviceFactoryModule(service)), `${bundle.name} wires ${service}`).toBe((uses as readonly string[]).includes(service));
      }
      const wanted = new Set(uses.flatMap((service) => clients[service]));
      for (const client of new Set(Object.values(clients).flat())) expect(held.has(client), `${bundle.name} holds ${client}`).toBe(wanted.has(client));
    }
    const minioEvents = bundles.find((b) => b.name === 'minio-events')!;
    expect(minioEvents.code.byteLength).toBeLessThan(1.5 * 1024 * 1024);
    expect(minioEvents.optional).toEqual([]); // neither mongodb's nor pg's optional modules
    // Its event sink posts with node:http: a fetch call would load Node's undici at the first event.
    expect(minioEvents.code.toString()).not.toMatch(/\bfetch\(/);
    // zod is imported as a namespace, which esbuild shakes: `import { z }` brought every locale in.
    expect(minioEvents.inputs.some((input) => input.startsWith('node_modules/zod/v4/locales/') && !input.endsWith('/en.js'))).toBe(false);
    // The OpenTelemetry SDK is a file of its own, imported only when an OTLP endpoint is set.
    for (const bundle of bundles) {
      expect(bundle.inputs.some((input) => input.includes('node_modules/@opentelemetry/')), bundle.name).toBe(false);
      expect(bundle.code.toString()).toContain(`import("./${spanExporterFile}")`);
      expect(bundle.spanExporter?.toString()).toContain('OTLPTraceExporter');
    }
  });

  describe('refusals', () => {
    let scratch: Awaited<ReturnType<typeof tempDir>>;
    beforeAll(async () => {
      // A checkout of its own: the real runtime library and node_modules, and two bad handlers.
      scratch = await tempDir('forecast-bundle-');
      await mkdir(join(scratch.path, 'functions'), { recursive: true });
      await symlink(join(root, 'functions/lib'), join(scratch.path, 'functions/lib'));
      await symlink(join(root, 'node_modules'), join(scratch.path, 'node_modules'));
      const definition = "export default { deps: async () => ({}), http: async () => ({ status: 204 }) };\n";
      await mkdir(join(scratch.path, 'functions/embedded'));
      await writeFile(join(scratch.path, 'functions/embedded/index.ts'), `import { PGlite } from '@electric-sql/pglite';\nexport const db = () => new PGlite();\n${definition}`);
      await mkdir(join(scratch.path, 'functions/unknown'));
      // CommonJS, as the optional requires in mongodb and pg are.
      await writeFile(join(scratch.path, 'functions/unknown/load.cjs'), "try { module.exports = require('left-pad-not-installed'); } catch { module.exports = null; }\n");
      await writeFile(join(scratch.path, 'functions/unknown/index.ts'), `import leftPad from './load.cjs';\nexport const pad = leftPad;\n${definition}`);
    });
    afterAll(() => scratch.remove());

    it('refuse the embedded database in a cluster bundle', async () => {
      await expect(bundleFunction({ root: scratch.path, name: 'embedded', handler: 'functions/embedded/index.ts', uses: [] })).rejects.toThrow(/@electric-sql\/pglite.*must not reach a cluster image/);
    });

    it('refuse a module left unresolved without a reason', async () => {
      await expect(bundleFunction({ root: scratch.path, name: 'unknown', handler: 'functions/unknown/index.ts', uses: [] })).rejects.toThrow(/leaves left-pad-not-installed unresolved/);
    });
  });
});

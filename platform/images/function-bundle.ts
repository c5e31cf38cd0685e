// One function as one file: esbuild bundles the function's definition with the container entry
// point (functions/lib/runtime/main.ts `runFunction`) and the factories of the services the
// function declares in `uses` (functions/lib/runtime/cluster/<service>.ts, and only those: a
// function that stores nothing carries no database client) into an ES module for Node 24.
// Nothing is installed in the image besides this file.
//
// What the dependencies need at run time, checked when this was written (esbuild 0.28.2):
//   - No dependency is native or reads its own files at run time in the cluster path; PGlite
//     (WebAssembly + data files) is only for the embedded dev runtime, and a bundle that pulls
//     it in is refused.
//   - mongodb requires kerberos, snappy, @mongodb-js/zstd, mongodb-client-encryption,
//     @aws-sdk/credential-providers and gcp-metadata only when a connection string asks for those
//     features, inside try/catch; pg requires pg-native only through `pg.native`. They stay
//     unresolved (`optionalModules`); any other unresolved module fails the build.
// The OpenTelemetry SDK and OTLP exporter (functions/lib/runtime/otlp-spans.ts) are a second
// file beside it, `/app/otlp-spans.mjs`, which the function imports only when an OTLP endpoint is
// set: inside the function's own file they would be parsed at every cold start (about 180 KiB
// and 2.6 MiB of resident memory) to serve no one.
// It never writes to the checkout: the bundle comes back as bytes.
import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import { build, type Metafile } from 'esbuild';
import type { ServiceName } from '../../functions/lib/runtime/services.ts';

/** Modules left out on purpose, with why; a bundle may leave these (and Node's built-ins) unresolved. */
export const optionalModules: Readonly<Record<string, string>> = {
  kerberos: 'mongodb: GSSAPI authentication, unused',
  snappy: 'mongodb: snappy wire compression, not enabled',
  '@mongodb-js/zstd': 'mongodb: zstd wire compression, not enabled',
  'mongodb-client-encryption': 'mongodb: client-side field encryption, unused',
  '@aws-sdk/credential-providers': 'mongodb: AWS IAM authentication, unused',
  'gcp-metadata': 'mongodb: GCP workload identity, unused',
  'pg-native': 'pg: libpq bindings, only through pg.native, unused',
};

/** Packages that must never reach a cluster image. */
const forbiddenPackages = ['@electric-sql/pglite'];

export interface FunctionEntry {
  name: string;
  /** The function's handler module, as in the app definition (`functions/<name>/index.ts`). */
  handler: string;
  /** The services the function declares, as in the app definition; the image wires only these. */
  uses: readonly ServiceName[];
}

export interface FunctionBundle {
  name: string;
  /** The ES module, `/app/<name>.mjs` in the image. */
  code: Buffer;
  /** Source files the bundle was built from, relative to the root (node_modules included). */
  inputs: string[];
  /** Optional modules the bundle leaves unresolved (keys of `optionalModules`). */
  optional: string[];
  /** The span exporter the function loads when tracing is on, `/app/<spanExporterFile>` in the image. */
  spanExporter?: Buffer;
}

/** The span exporter's file, beside the function's in the image, as the function imports it. */
export const spanExporterFile = 'otlp-spans.mjs';
const spanExporterSource = 'functions/lib/runtime/otlp-spans.ts';

const entryNamespace = 'function-entry';

/**
 * Bundle several functions in one esbuild run: the shared library is parsed once. Each output is
 * a separate file with no shared chunk, and is byte for byte what bundling that function alone
 * gives, so which functions are built together never changes a digest.
 */
export async function bundleFunctions(root: string, entries: readonly FunctionEntry[]): Promise<FunctionBundle[]> {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const result = await build({
    entryPoints: [...entries.map((e) => ({ in: `${entryNamespace}:${e.name}`, out: e.name })), { in: spanExporterSource, out: spanExporterFile.replace(/\.mjs$/, '') }],
    plugins: [
      {
        // The function's lazy import of the span exporter stays an import of the file beside it.
        name: 'span-exporter-beside',
        setup(on) {
          on.onResolve({ filter: /\/otlp-spans\.ts$/ }, (args) => (args.kind === 'dynamic-import' ? { path: `./${spanExporterFile}`, external: true } : undefined));
        },
      },
      {
        // The container entry point of each function, generated rather than kept as files.
        name: 'function-entries',
        setup(on) {
          on.onResolve({ filter: new RegExp(`^${entryNamespace}:`) }, (args) => ({ path: args.path.slice(entryNamespace.length + 1), namespace: entryNamespace }));
          on.onLoad({ filter: /.*/, namespace: entryNamespace }, (args) => ({ contents: containerEntry(byName.get(args.path)), resolveDir: root, loader: 'ts' }));
        },
      },
    ],
    absWorkingDir: root,
    bundle: true,
    splitting: false,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // CommonJS dependencies call require() for Node's modules; an ES module has none of its own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // Lines and names stay as written: a crash in the cluster logs a readable stack and source
    // line (with whitespace minified Node would print a 600 kB line). It costs ~120 kB gzipped.
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    charset: 'utf8',
    sourcemap: false,
    metafile: true,
    write: false,
    outdir: 'bundles', // a name only: nothing is written
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  const spanExporter = result.outputFiles.find((file) => relative(root, file.path) === `bundles/${spanExporterFile}`);
  if (!spanExporter) throw new Error(`esbuild produced no ${spanExporterFile}`);
  return entries.map((entry) => {
    const path = `bundles/${entry.name}.mjs`;
    const output = result.outputFiles.find((file) => relative(root, file.path) === path);
    const meta = result.metafile.outputs[path];
    if (!output || !meta) throw new Error(`esbuild produced no ${path} for ${entry.name}`);
    const inputs = Object.keys(meta.inputs)
      .filter((input) => !input.startsWith(`${entryNamespace}:`))
      .sort();
    const forbidden = inputs.filter((input) => forbiddenPackages.some((pkg) => input.includes(`node_modules/${pkg}/`)));
    if (forbidden.length) {
      throw new Error(`the ${entry.name} bundle includes ${forbidden[0]}: the embedded dev services must not reach a cluster image; import them from platform/local only`);
    }
    const optional = unresolvedModules(meta.imports).filter((name) => name !== `./${spanExporterFile}`);
    const unexpected = optional.filter((name) => !(name in optionalModules));
    if (unexpected.length) {
      throw new Error(
        `the ${entry.name} bundle leaves ${unexpected.join(', ')} unresolved: install it, or if it is optional add it with the reason to optionalModules in platform/images/function-bundle.ts`,
      );
    }
    return { name: entry.name, code: Buffer.from(output.contents), inputs, optional, spanExporter: Buffer.from(spanExporter.contents) };
  });
}

/** The container entry of one function: its definition, served with the services it declares. */
function containerEntry(entry: FunctionEntry | undefined): string {
  if (!entry) throw new Error('no function entry to bundle');
  const uses = [...new Set(entry.uses)].sort();
  const bad = uses.find((service) => !/^[a-z][A-Za-z]*$/.test(service));
  if (bad !== undefined) throw new Error(`function "${entry.name}" uses ${JSON.stringify(bad)}, which is not a service name`);
  return [
    `import definition from './${entry.handler}';`,
    `import { runFunction } from './functions/lib/runtime/main.ts';`,
    ...uses.map((service) => `import { ${service} } from './${serviceFactoryModule(service)}';`),
    `await runFunction(${JSON.stringify(entry.name)}, definition, { ${uses.join(', ')} });`,
  ].join('\n');
}

/** Where a service's cluster factory lives: `eventSink` in functions/lib/runtime/cluster/event-sink.ts. */
export function serviceFactoryModule(service: ServiceName): string {
  return `functions/lib/runtime/cluster/${service.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.ts`;
}

/** One function's bundle (see bundleFunctions). */
export async function bundleFunction(options: FunctionEntry & { root: string }): Promise<FunctionBundle> {
  const [bundle] = await bundleFunctions(options.root, [options]);
  if (!bundle) throw new Error(`no bundle for ${options.name}`);
  return bundle;
}

/** Modules the output still imports or requires that are not Node's own. */
function unresolvedModules(imports: Metafile['outputs'][string]['imports']): string[] {
  const builtins = new Set(builtinModules);
  const names = new Set<string>();
  for (const item of imports) {
    if (!item.external) continue;
    const bare = item.path.replace(/^node:/, '');
    if (builtins.has(bare) || builtins.has(bare.split('/')[0] ?? '')) continue;
    names.add(item.path);
  }
  return [...names].sort();
}

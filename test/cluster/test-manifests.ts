// A test copy of the pinned upstream manifests (the layout of ../shared/upstream:
// `<component>/<version>/<file>.yaml` plus index.json) that a simulated cluster can accept.
// No pod runs there, so no admission or conversion webhook can ever answer: a webhook
// configuration with failurePolicy Fail would reject every object it covers, and a CRD with a
// conversion webhook cannot even be listed. The copy keeps every Validating/
// MutatingWebhookConfiguration (the bootstrap applies them, and the simulated controllers rewrite
// their rules as Knative's webhooks do) with failurePolicy Ignore and a 1 s timeout, and sets every
// CRD's spec.conversion to {strategy: None}; everything else is left byte for byte. It returns
// (and prints) each change, so a test can say what the simulation did not check.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { say } from './processes.ts';

export interface ManifestChange {
  /** Path relative to the manifests directory, e.g. knative-serving/v1.23.0/serving-core.yaml. */
  file: string;
  /** Kind/name of the object changed. */
  object: string;
  change: typeof ignoredWebhooks | typeof noConversion;
}

export interface PreparedManifests {
  dir: string;
  changes: ManifestChange[];
}

interface IndexEntry {
  path: string;
  sha256: string;
  bytes: number;
  objectCount: number;
  kinds: Record<string, number>;
  testCopyChanges?: string[];
}

const webhookKinds = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
const ignoredWebhooks = 'failurePolicy Ignore, timeoutSeconds 1 (admission webhooks cannot answer without pods)';
const noConversion = 'spec.conversion set to {strategy: None} (conversion webhook cannot answer without pods)';

export async function prepareTestManifests(inputDir: string, options: { outputDir?: string; quiet?: boolean } = {}): Promise<PreparedManifests> {
  const dir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'forecast-test-manifests-')));
  await mkdir(dir, { recursive: true });
  await cp(inputDir, dir, { recursive: true });
  const indexPath = join(dir, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { totalBytes?: number; files: IndexEntry[] };
  const changes: ManifestChange[] = [];

  for (const file of await yamlFiles(dir)) {
    const text = await readFile(join(dir, file), 'utf8');
    const result = adjust(file, text);
    if (result.changes.length === 0) continue;
    changes.push(...result.changes);
    await writeFile(join(dir, file), result.text);
    const entry = index.files.find((f) => f.path === file);
    if (entry) {
      entry.sha256 = createHash('sha256').update(result.text).digest('hex');
      entry.bytes = Buffer.byteLength(result.text);
      entry.objectCount = result.kinds.reduce((sum, [, n]) => sum + n, 0);
      entry.kinds = Object.fromEntries(result.kinds);
      entry.testCopyChanges = result.changes.map((c) => `${c.object}: ${c.change}`);
    }
  }
  index.totalBytes = index.files.reduce((sum, f) => sum + f.bytes, 0);
  await writeFile(indexPath, `${JSON.stringify(index, null, 1)}\n`);
  if (!options.quiet) {
    say(`test copy of ${inputDir} in ${dir}: ${changes.length} changes`);
    for (const c of changes) say(`  ${c.file}: ${c.object} ${c.change}`);
  }
  return { dir, changes };
}

function adjust(file: string, text: string): { text: string; changes: ManifestChange[]; kinds: [string, number][] } {
  const changes: ManifestChange[] = [];
  const kept: string[] = [];
  const kinds = new Map<string, number>();
  for (const doc of parseAllDocuments(text)) {
    if (Array.isArray(doc)) throw new Error(`${file}: not parseable YAML`);
    const object = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { conversion?: { strategy?: string } }; webhooks?: unknown[] } | null;
    if (!object?.kind) continue;
    const name = `${object.kind}/${object.metadata?.name ?? '?'}`;
    if (webhookKinds.has(object.kind)) {
      object.webhooks?.forEach((_, i) => {
        doc.setIn(['webhooks', i, 'failurePolicy'], 'Ignore');
        doc.setIn(['webhooks', i, 'timeoutSeconds'], 1);
      });
      changes.push({ file, object: name, change: ignoredWebhooks });
    }
    if (object.kind === 'CustomResourceDefinition' && object.spec?.conversion && object.spec.conversion.strategy !== 'None') {
      doc.setIn(['spec', 'conversion'], doc.createNode({ strategy: 'None' }));
      changes.push({ file, object: name, change: noConversion });
    }
    kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
    kept.push(doc.toString({ lineWidth: 0 }).replace(/^---\n/, ''));
  }
  return { text: changes.length === 0 ? text : kept.map((d) => `---\n${d}`).join(''), changes, kinds: [...kinds] };
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

// Validation of rendered objects against the schemas of the exact pinned versions: the JSON
// Schemas of the pinned CRDs in ../shared/crds (Knative, Strimzi, Percona, Zalando), and
// kubernetes-models' validators for core Kubernetes kinds. When ../shared is absent (a fork),
// `sharedSchemas` is null and the tests that need it are reported as skipped, by name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KubeObject } from '../../platform/render/kube-object.ts';

const crdDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'crds');
export const sharedSchemas = existsSync(join(crdDir, 'index.json')) ? crdDir : null;

// The CRDs' patterns are Go regular expressions; some escape characters ("\ ") that JavaScript's
// unicode mode refuses, so patterns are compiled without the u flag.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
// The OpenAPI formats the pinned CRDs use, checked as the API server checks them.
const integerWithin = (bits: number) => (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** (bits - 1);
ajv.addFormat('int32', { type: 'number', validate: integerWithin(32) });
ajv.addFormat('int64', { type: 'number', validate: integerWithin(64) });
ajv.addFormat('date-time', { type: 'string', validate: (t: string) => /^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(Date.parse(t)) });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const compiled = new Map<string, ValidateFunction>();

/** Problems of one custom resource against its CRD schema, as "path: message" lines. */
export function crdProblems(object: KubeObject): string[] {
  if (!sharedSchemas) throw new Error('../shared/crds is not present');
  const [group, version] = object.apiVersion.split('/') as [string, string];
  const file = join(sharedSchemas, group, `${object.kind.toLowerCase()}_${version}.json`);
  if (!existsSync(file)) return [`no pinned schema for ${object.apiVersion} ${object.kind} (${file})`];
  let validate = compiled.get(file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    validate = ajv.compile(schema);
    compiled.set(file, validate);
  }
  const where = `${object.kind}/${object.metadata.name}`;
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Problems of a core Kubernetes object, by kubernetes-models' generated validators. */
export async function coreProblems(object: KubeObject): Promise<string[]> {
  const [group, version] = object.apiVersion.includes('/') ? (object.apiVersion.split('/') as [string, string]) : ['', object.apiVersion];
  const modulePath = group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  const models = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  if (!Model) return [`kubernetes-models has no ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
  }
}

export const isCoreKind = (object: KubeObject) => !object.apiVersion.includes('.') || object.apiVersion.startsWith('apps/') || object.apiVersion.startsWith('rbac.authorization.k8s.io/');

// The pinned upstream install manifests (Knative, Kourier, the Kafka broker, Strimzi, the Percona
// and Zalando operators): which files each profile installs, and reading them either from their
// release URLs (checked against the sha256 platform/versions.ts pins) or from a local mirror laid
// out as `<component>/<release>/<file>` with an index.json (what `npm run mirror` writes, for
// clusters without internet). It only reads: adjusting the objects for this platform is
// upstream-adjustments.ts's job.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../render/kube-object.ts';
import { versions, type ReleaseAsset, type UpstreamRelease } from '../versions.ts';
import type { Profile } from './plan.ts';

/** Every upstream release, in install order. */
export const upstreamReleases: readonly UpstreamRelease[] = [
  versions.knativeServing,
  versions.netKourier,
  versions.knativeEventing,
  versions.eventingKafkaBroker,
  versions.strimzi,
  versions.perconaMongodb,
  versions.zalandoPostgres,
];

export interface UpstreamFile {
  release: UpstreamRelease;
  asset: ReleaseAsset;
}

/** The files a profile installs: the in-memory broker instead of Kafka and Strimzi for --small. */
export function upstreamFilesFor(profile: Profile): UpstreamFile[] {
  const { knativeServing: serving, netKourier, knativeEventing: eventing, eventingKafkaBroker: kafka, strimzi, perconaMongodb, zalandoPostgres } = versions;
  const files = (release: UpstreamRelease, assets: ReleaseAsset[]) => assets.map((asset) => ({ release, asset }));
  return [
    ...files(serving, [serving.assets.crds, serving.assets.core]),
    ...files(netKourier, [netKourier.assets.kourier]),
    ...files(eventing, [eventing.assets.crds, eventing.assets.core]),
    ...(profile === 'small'
      ? files(eventing, [eventing.assets.inMemoryChannel, eventing.assets.mtChannelBroker])
      : [...files(kafka, [kafka.assets.controller, kafka.assets.broker]), ...files(strimzi, [strimzi.assets.operator])]),
    ...files(perconaMongodb, [perconaMongodb.assets.bundle]),
    ...files(zalandoPostgres, Object.values(zalandoPostgres.assets)),
  ];
}

/** Where manifests come from: the release URLs, or a mirror directory. */
export type ManifestSource = { kind: 'releases'; fetch?: typeof fetch } | { kind: 'mirror'; dir: string };

export interface MirrorIndexEntry {
  component: string;
  version: string;
  file: string;
  /** Relative to the mirror's root. */
  path: string;
  sha256: string;
  upstreamUrl?: string;
  installOrder?: number;
  optional?: boolean;
}

export interface MirrorIndex {
  files: MirrorIndexEntry[];
}

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** A file's place in a mirror. */
export const mirrorPath = (file: UpstreamFile): string => join(file.release.component, file.release.release, file.asset.file);

export async function readMirrorIndex(dir: string): Promise<MirrorIndex> {
  const path = join(dir, 'index.json');
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new Error(`${path}: cannot read the mirror's index (${(error as Error).message}); write a mirror with: npm run mirror -- --out ${dir}`, { cause: error });
  });
  const index = JSON.parse(text) as MirrorIndex;
  if (!Array.isArray(index.files)) throw new Error(`${path} has no "files" list`);
  return index;
}

/**
 * The bytes of one pinned file. From the releases, the pinned sha256 must match; from a mirror,
 * the sha256 its index records must (the mirror's own integrity: a test copy may have been
 * changed on purpose, and says so in its index).
 */
export async function readUpstreamFile(source: ManifestSource, file: UpstreamFile, index?: MirrorIndex): Promise<string> {
  const name = `${file.release.component} ${file.release.release} ${file.asset.file}`;
  if (source.kind === 'releases') {
    const response = await (source.fetch ?? fetch)(file.asset.url, { signal: AbortSignal.timeout(60_000) }).catch((error: unknown) => {
      throw new Error(`cannot download ${name} from ${file.asset.url}: ${(error as Error).message}. Without internet, use a mirror: --manifests DIR (npm run mirror -- --out DIR on a machine with internet)`, { cause: error });
    });
    if (!response.ok) throw new Error(`cannot download ${name}: ${file.asset.url} answered ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (file.asset.sha256 && sha256Hex(bytes) !== file.asset.sha256) {
      throw new Error(`${file.asset.url} has sha256 ${sha256Hex(bytes)}, but platform/versions.ts pins ${file.asset.sha256}: the release file changed upstream; refusing to install it`);
    }
    return new TextDecoder().decode(bytes);
  }
  const mirror = index ?? (await readMirrorIndex(source.dir));
  const wanted = mirrorPath(file);
  const entry = mirror.files.find((f) => f.path === wanted);
  if (!entry) throw new Error(`the mirror ${source.dir} has no ${wanted} (${name}, the pinned version); refresh it with: npm run mirror -- --out ${source.dir}`);
  const bytes = await readFile(join(source.dir, entry.path));
  if (sha256Hex(bytes) !== entry.sha256) throw new Error(`${join(source.dir, entry.path)} does not match the sha256 in the mirror's index.json: the mirror is damaged; write it again`);
  return bytes.toString('utf8');
}

/** The objects of a multi-document YAML file (empty documents dropped). */
export function parseManifest(text: string, name: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length) throw new Error(`${name}, document ${i + 1}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    return value && typeof value === 'object' ? [value] : [];
  });
}

export interface LoadedFile extends UpstreamFile {
  objects: KubeObject[];
}

/** Every file of a profile, parsed, in install order. */
export async function loadUpstreamFiles(source: ManifestSource, profile: Profile): Promise<LoadedFile[]> {
  const index = source.kind === 'mirror' ? await readMirrorIndex(source.dir) : undefined;
  return Promise.all(
    upstreamFilesFor(profile).map(async (file) => ({ ...file, objects: parseManifest(await readUpstreamFile(source, file, index), mirrorPath(file)) })),
  );
}

// Writes a manifest mirror: every pinned upstream file of both profiles, downloaded from its
// release URL and checked against the sha256 platform/versions.ts pins, laid out as
// `<component>/<release>/<file>` with an index.json — what `--manifests DIR` reads.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mirrorPath, readUpstreamFile, sha256Hex, upstreamFilesFor, upstreamReleases, type MirrorIndex, type UpstreamFile } from './upstream-manifests.ts';

export interface MirrorResult {
  index: MirrorIndex;
  /** Files with no pinned digest: written with the digest they had. */
  unpinned: string[];
}

export async function writeMirror(out: string, options: { fetch?: typeof fetch; onFile?: (path: string, pinned: boolean) => void } = {}): Promise<MirrorResult> {
  const inDefault = new Set(upstreamFilesFor('default').map(mirrorPath));
  const inSmall = new Set(upstreamFilesFor('small').map(mirrorPath));
  const files = new Map<string, UpstreamFile>();
  for (const file of [...upstreamFilesFor('default'), ...upstreamFilesFor('small')]) files.set(mirrorPath(file), file);
  const index: MirrorIndex = { files: [] };
  const unpinned: string[] = [];
  for (const [path, file] of files) {
    const text = await readUpstreamFile({ kind: 'releases', ...(options.fetch ? { fetch: options.fetch } : {}) }, file);
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), text);
    if (!file.asset.sha256) unpinned.push(path);
    index.files.push({
      component: file.release.component,
      version: file.release.release,
      file: file.asset.file,
      path,
      sha256: sha256Hex(text),
      upstreamUrl: file.asset.url,
      installOrder: upstreamReleases.indexOf(file.release) + 1,
      // Installed by one profile only.
      optional: !(inDefault.has(path) && inSmall.has(path)),
    });
    options.onFile?.(path, Boolean(file.asset.sha256));
  }
  await writeFile(join(out, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  return { index, unpinned };
}

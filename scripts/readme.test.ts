// The READMEs are the user's manual: every `npm run <script>` one names must exist, every
// relative link and every repository path it names must point at a file in the repository,
// and the README's Layout names every folder.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
/** Folders git ignores (.gitignore's top-level ones), and git's own. */
const ignoredFolders = readFileSync(join(root, '.gitignore'), 'utf8').split('\n').filter((line) => /^[^#*][^*]*\/$/.test(line));
const ignored = ignoredFolders.filter((line) => !line.slice(0, -1).includes('/')).map((line) => line.slice(0, -1));
const skipped = new Set(['.git', 'dist', ...ignored]);
/** A path under a folder git ignores (a build's output, say) exists only once something made it. */
const isGenerated = (path: string): boolean => ignoredFolders.some((folder) => `${path.replace(/\/$/, '')}/`.startsWith(folder));

/** Every Markdown file of the repository. */
function markdownFiles(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : markdownFiles(join(dir, entry.name));
    return entry.name.endsWith('.md') ? [relative(root, join(dir, entry.name))] : [];
  });
}

const topLevelFolders = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !skipped.has(e.name)).map((e) => e.name);

describe('README', () => {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it.each(markdownFiles())('%s names only npm scripts that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const named = [...text.matchAll(/npm run ([a-z0-9:_-]+)/g)].map((m) => m[1] as string);
    const missing = named.filter((name) => !(name in scripts));
    expect(missing).toEqual([]);
    if (file === 'README.md') expect(named.length).toBeGreaterThan(3);
  });

  it.each(markdownFiles())('%s links only to files that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const base = join(root, file, '..');
    const links = [...text.matchAll(/\]\((?!https?:|#|mailto:)([^)\s#]+)/g)].map((m) => m[1] as string);
    expect(links.filter((link) => !existsSync(join(base, link)))).toEqual([]);
  });

  it.each(markdownFiles())('%s names only repository paths that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    // A path in backquotes under one of the repository's own folders: `platform/app.ts`, `test/cluster/`.
    const paths = [...text.matchAll(/`((?:\.?[A-Za-z0-9_-]+)(?:\/[A-Za-z0-9_.-]+)+\/?)`/g)].map((m) => m[1] as string);
    const ours = paths.filter((path) => topLevelFolders.includes(path.split('/')[0] as string) && !isGenerated(path));
    expect(ours.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('lays out every top-level folder and every folder of platform/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const layout = /## Layout\n+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const named = new Set([...layout.matchAll(/^ *([.A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)\/? /gm)].map((m) => (m[1] as string).split('/')[0] as string));
    expect(topLevelFolders.filter((folder) => folder !== '.ci' && !named.has(folder))).toEqual([]);
    const platformFolders = readdirSync(join(root, 'platform'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(platformFolders.filter((folder) => !named.has(folder))).toEqual([]);
    expect(layout).toContain('.ci/run');
  });
});

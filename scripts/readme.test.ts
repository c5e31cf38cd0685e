// The README is the user's manual: every `npm run <script>` it names must exist, and every
// relative link must point at a file in the repository.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function markdownFiles(): string[] {
  return ['README.md', 'test/README.md', 'web/README.md', 'docs/SECURITY.md', 'docs/RELIABILITY.md', 'docs/BENCHMARKS.md'].filter((f) => existsSync(join(root, f)));
}

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
});

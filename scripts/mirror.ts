#!/usr/bin/env node
// npm run mirror -- --out DIR
// Downloads every pinned upstream install manifest (both profiles), checks the sha256
// platform/versions.ts pins, and writes the layout `npm run bootstrap -- --manifests DIR` reads,
// for clusters without internet.
import { resolve } from 'node:path';
import { argv } from 'zx';
import { writeMirror } from '../platform/bootstrap/mirror.ts';
import { fail, runMain } from './lib/cli.ts';

await runMain(async () => {
  if (!argv.out) fail('where to? --out <dir> is required', 'npm run mirror -- --out upstream-manifests');
  const out = resolve(String(argv.out));
  const { index, unpinned } = await writeMirror(out, { onFile: (path, pinned) => console.log(`${path}  ${pinned ? 'sha256 matches the pin' : 'no pinned sha256'}`) });
  console.log(`wrote ${index.files.length} files and index.json to ${out}`);
  if (unpinned.length) console.log(`not checked against a pin (platform/versions.ts says why): ${unpinned.join(', ')}`);
});

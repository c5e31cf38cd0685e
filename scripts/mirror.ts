#!/usr/bin/env node
// npm run mirror -- --out DIR
// Downloads every pinned upstream install manifest (both profiles), checks the sha256
// platform/versions.ts pins, and writes the layout `npm run bootstrap -- --manifests DIR` reads,
// for clusters without internet.
import { resolve } from 'node:path';
import { writeMirror } from '../platform/bootstrap/mirror.ts';
import { command, runCommand } from './lib/options.ts';

const mirror = command({
  run: 'npm run mirror --',
  description: 'Downloads every pinned upstream install manifest, checks it against the sha256 platform/versions.ts pins, and writes the layout `npm run bootstrap -- --manifests DIR` reads.',
  options: {
    out: { type: 'string', value: 'dir', required: true, description: 'the directory to write the manifests and index.json to' },
  },
  examples: ['npm run mirror -- --out ../manifests && npm run bootstrap -- --manifests ../manifests'],
});

await runCommand(mirror, async ({ values }) => {
  const out = resolve(values.out);
  const { index, unpinned } = await writeMirror(out, { onFile: (path, pinned) => console.log(`${path}  ${pinned ? 'sha256 matches the pin' : 'no pinned sha256'}`) });
  console.log(`wrote ${index.files.length} files and index.json to ${out}`);
  if (unpinned.length) console.log(`not checked against a pin (platform/versions.ts says why): ${unpinned.join(', ')}`);
});

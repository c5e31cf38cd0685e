#!/usr/bin/env node
// npm run new-function -- <name>
// Scaffolds functions/<name>/ (a handler and its test) and adds its entry to platform/app.ts.
// What it writes passes `npm test` as it is; the first thing a fork of the template does.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fail } from './lib/cli.ts';
import { command, runCommand } from './lib/options.ts';

const newFunction = command({
  run: 'npm run new-function --',
  description: 'Scaffolds functions/<name>/ (a handler and its test) and adds its entry to platform/app.ts.',
  arguments: [{ name: 'name', description: 'the function\'s name: lowercase words joined by dashes, e.g. hello-world' }],
  options: {
    root: { type: 'string', value: 'dir', description: 'the repository to add the function to (default: this one)' },
  },
  examples: ['npm run new-function -- hello-world'],
});

await runCommand(newFunction, async ({ values, arguments: { name } }) => {
  const root = resolve(values.root ?? join(import.meta.dirname, '..'));
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 40 || name === 'lib') {
    fail(`function names are lowercase words joined by dashes (at most 40 characters, not "lib"); got ${JSON.stringify(name)}`, 'npm run new-function -- hello-world');
  }
  const folder = join(root, 'functions', name);
  if (existsSync(folder)) fail(`functions/${name} already exists`);
  const appFile = join(root, 'platform', 'app.ts');
  const appSource = await readFile(appFile, 'utf8');
  const anchor = '  functions: {\n';
  if (!appSource.includes(anchor)) fail(`cannot find "functions: {" in platform/app.ts to add the entry; add it by hand`);
  if (appSource.includes(`'${name}': {`)) fail(`platform/app.ts already has an entry "${name}"`);

  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'index.ts'), handlerTemplate(name));
  await writeFile(join(folder, 'index.test.ts'), testTemplate(name));
  const entry = [
    `    '${name}': {`,
    `      handler: 'functions/${name}/index.ts',`,
    '      uses: [],',
    '      scale: { min: 0, max: 1 },',
    "      resources: { cpu: '50m', memory: '96Mi' },",
    '    },',
    '',
  ].join('\n');
  await writeFile(appFile, appSource.replace(anchor, anchor + entry));
  console.log(
    [
      `created functions/${name}/index.ts and index.test.ts, and its entry in platform/app.ts`,
      'next:',
      `  - give it a route (app.routes) or a trigger (app.triggers) in platform/app.ts`,
      `  - list the services it needs in "uses" (objectStore, latestStore, …); with objectStore, its buckets in "buckets" (e.g. { forecasts: ['read'] })`,
      '  - npm test',
    ].join('\n'),
  );
});

function handlerTemplate(name: string): string {
  return `// ${name}: says hello. Replace this with what the function is for, and what it must never do.
import { RejectedInputError } from '../lib/errors.ts';
import { defineFunction, json, type HttpRequest, type HttpResponse, type Invocation } from '../lib/runtime/function-definition.ts';

export interface Deps {
  greeting: string;
}

export async function handle(request: HttpRequest, deps: Deps, { log }: Invocation): Promise<HttpResponse> {
  const who = request.url.searchParams.get('name') ?? 'world';
  if (!/^[\\p{L} -]{1,40}$/u.test(who)) throw new RejectedInputError('name must be 1–40 letters, spaces or dashes', 400);
  log.info('greeted', { who });
  return json(200, { message: \`\${deps.greeting}, \${who}!\` });
}

export default defineFunction<Deps>({
  async deps(services) {
    return { greeting: services.env.GREETING ?? 'Hello' };
  },
  http: handle,
});
`;
}

function testTemplate(name: string): string {
  return `import { describe, expect, it } from 'vitest';
import { RejectedInputError } from '../lib/errors.ts';
import { createLogger } from '../lib/runtime/log.ts';
import { handle } from './index.ts';

const invocation = { log: createLogger({}, { level: 'silent' }), traceId: '0'.repeat(32) };
const get = (query: string) => ({ method: 'GET', url: new URL(\`http://${name}.local/\${query}\`), headers: {}, body: new Uint8Array() });

describe('${name}', () => {
  it('greets by name', async () => {
    const response = await handle(get('?name=Ana'), { greeting: 'Hola' }, invocation);
    expect(response).toMatchObject({ status: 200, body: { message: 'Hola, Ana!' } });
  });

  it('refuses a name that is not one', async () => {
    await expect(handle(get('?name=%3Cscript%3E'), { greeting: 'Hola' }, invocation)).rejects.toBeInstanceOf(RejectedInputError);
  });
});
`;
}

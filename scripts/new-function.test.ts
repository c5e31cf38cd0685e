// The scaffold must pass the project's own checks as generated: type-check and its test run in a
// copy of the repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cp, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../test/support/fixtures.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');

describe('npm run new-function', () => {
  let copy: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    copy = await tempDir('forecast-scaffold-');
    for (const part of ['functions', 'platform', 'test', 'tsconfig.json', 'package.json', '.config']) await cp(join(repo, part), join(copy.path, part), { recursive: true });
    await symlink(join(repo, 'node_modules'), join(copy.path, 'node_modules'));
  });
  afterAll(() => copy.remove());

  it('writes a function that type-checks and whose test passes, with its app entry', async () => {
    await run(process.execPath, [join(repo, 'scripts', 'new-function.ts'), 'hello-world', '--root', copy.path]);
    const app = await readFile(join(copy.path, 'platform', 'app.ts'), 'utf8');
    expect(app).toContain("handler: 'functions/hello-world/index.ts'");
    // The app definition still loads, and checks the new entry.
    const { stdout } = await run(process.execPath, ['-e', "import('./platform/app.ts').then((m) => console.log(Object.keys(m.app.functions).join(',')))"], { cwd: copy.path });
    expect(stdout).toContain('hello-world');
    await run(join(repo, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: copy.path });
    const tests = await run(join(repo, 'node_modules', '.bin', 'vitest'), ['run', '-c', '.config/vitest.config.ts', 'functions/hello-world'], { cwd: copy.path });
    expect(tests.stdout).toMatch(/2 passed/);
  }, 120_000);

  it('refuses a bad name and an existing function', async () => {
    const bad = await run(process.execPath, [join(repo, 'scripts', 'new-function.ts'), 'Bad_Name', '--root', copy.path]).catch((e: { stderr: string }) => e);
    expect((bad as { stderr: string }).stderr).toMatch(/lowercase words joined by dashes/);
    const existing = await run(process.execPath, [join(repo, 'scripts', 'new-function.ts'), 'get-forecast', '--root', copy.path]).catch((e: { stderr: string }) => e);
    expect((existing as { stderr: string }).stderr).toMatch(/functions\/get-forecast already exists/);
  }, 60_000);
});

#!/usr/bin/env node
// npm test: the everyday gate, every check that needs no external server, in order:
// type-check, lint, unit and embedded-pipeline tests (vitest), the browser tests, and (inside
// the vitest run) the check that every command the README names exists. Stops at the first
// failing step and names it. Ends with one "N passed, N failed" line.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, chalk } from 'zx';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const report = (suite: string) => join(tmpdir(), `knative-forecast-${suite}-${process.pid}.json`);
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

interface Step {
  name: string;
  run: () => Promise<unknown>;
  /** The vitest JSON report the step writes, counted in the closing line. */
  report?: string;
}

const vitest = (config: string, suite: string): Step['run'] => () =>
  $({ cwd: root, stdio: 'inherit' })`${bin('vitest')} run -c ${config} --reporter=default --reporter=json --outputFile.json=${report(suite)}`;

const steps: Step[] = [
  { name: 'type-check', run: () => $({ cwd: root, stdio: 'inherit' })`${bin('tsc')} --noEmit -p tsconfig.json` },
  { name: 'lint', run: () => $({ cwd: root, stdio: 'inherit' })`${bin('eslint')} -c .config/eslint.config.js .` },
  { name: 'unit and pipeline tests', run: vitest('.config/vitest.config.ts', 'unit'), report: report('unit') },
];
if (pkg.scripts['test:browser']) {
  steps.push({ name: 'site build', run: () => $({ cwd: root, stdio: 'inherit' })`npm run --silent build:web` });
  steps.push({ name: 'browser tests', run: vitest('web/e2e/vitest.config.ts', 'browser'), report: report('browser') });
}

let passed = 0;
let failed = 0;
for (const step of steps) {
  console.log(chalk.bold(`\n▶ ${step.name}`));
  try {
    await step.run();
  } catch {
    await countTests(step.report);
    console.error(chalk.red(`\n✗ ${step.name} failed`));
    console.log(`test: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  }
  await countTests(step.report);
}
console.log(chalk.green('\n✓ every step passed'));
console.log(`test: ${passed} passed, ${failed} failed`);

async function countTests(file: string | undefined): Promise<void> {
  if (!file) return;
  const text = await readFile(file, 'utf8').catch(() => null);
  if (!text) return;
  const result = JSON.parse(text) as { numPassedTests: number; numFailedTests: number };
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  await rm(file, { force: true });
}

#!/usr/bin/env node
// npm run bench [-- <name>…]: runs the named benchmarks (all when none is named), one after
// the other, prints each one's table and merges its figures into bench/results.json, then
// rewrites the results section of docs/BENCHMARKS.md from that file.
// Benchmarks measure and report; none of them asserts a time.
import { apiBenchmark } from './api.ts';
import { coldStartBenchmark } from './cold-start.ts';
import { devStartBenchmark } from './dev-start.ts';
import { parseBenchmark } from './parse.ts';
import { pipelineBenchmark } from './pipeline.ts';
import { planBenchmark } from './plan.ts';
import { buildResult, machineInfo, machineLine, resultTable, saveResult, type Benchmark } from './lib/report.ts';
import { writeResultsIntoDoc } from './lib/results-doc.ts';

const benchmarks: Benchmark[] = [apiBenchmark, parseBenchmark, pipelineBenchmark, coldStartBenchmark, devStartBenchmark, planBenchmark];

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`error: no benchmark named ${unknown.join(', ')}`);
  console.error(`next: npm run bench:<name>, where <name> is one of ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(1);
}

for (const benchmark of benchmarks.filter((b) => names.length === 0 || names.includes(b.name))) {
  const machine = machineInfo();
  console.log(`\n${benchmark.name}: ${benchmark.title}\n${machineLine(machine)}`);
  const { figures, notes } = await benchmark.run();
  const result = buildResult(machine, figures, notes);
  console.log(`\n${resultTable(result)}\n${notes.map((n) => `  · ${n}`).join('\n')}`);
  await saveResult(benchmark.name, result);
}
if (await writeResultsIntoDoc(benchmarks.map((b) => b.name))) console.log('\nresults written into docs/BENCHMARKS.md');

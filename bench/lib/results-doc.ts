// Writes the latest results from bench/results.json into docs/BENCHMARKS.md — the targets
// table and one section per benchmark, each between two marker comments — so the numbers in
// the doc are always those of a real run. Everything outside the markers is written by hand
// and left alone.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatNumber, machineLine, readResults, resultTable, type BenchmarkResult } from './report.ts';

export const benchmarksDoc = join(import.meta.dirname, '..', '..', 'docs', 'BENCHMARKS.md');
const resultsMarkers = ['<!-- results:start (written by npm run bench from bench/results.json) -->', '<!-- results:end -->'] as const;
const targetsMarkers = ['<!-- targets:start (written by npm run bench from bench/results.json) -->', '<!-- targets:end -->'] as const;

/** Replace the generated sections of the doc; false when the doc or its markers are missing. */
export async function writeResultsIntoDoc(order: readonly string[]): Promise<boolean> {
  const doc = await readFile(benchmarksDoc, 'utf8').catch(() => null);
  if (doc === null) return false;
  const results = await readResults();
  const named = order.flatMap((name) => (results[name] ? [[name, results[name]] as const] : []));
  const withTargets = replaceBetween(doc, targetsMarkers, targetsTable(named));
  const withResults = withTargets === null ? null : replaceBetween(withTargets, resultsMarkers, named.map(([name, result]) => resultSection(name, result)).join('\n'));
  if (withResults === null) return false;
  await writeFile(benchmarksDoc, withResults);
  return true;
}

function replaceBetween(doc: string, [start, end]: readonly [string, string], content: string): string | null {
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) return null;
  return `${doc.slice(0, from + start.length)}\n\n${content}\n${doc.slice(to)}`;
}

function resultSection(name: string, result: BenchmarkResult): string {
  const notes = result.notes.map((n) => `- ${n}`).join('\n');
  return `### ${name}\n\n${machineLine(result.machine)}\n\n${resultTable(result)}\n\n${notes}\n`;
}

/** Every figure that has a target, with what the latest run measured. */
function targetsTable(named: readonly (readonly [string, BenchmarkResult])[]): string {
  const rows = named.flatMap(([name, result]) =>
    result.figures.flatMap((f) => {
      if (!f.target) return [];
      const subject = f.target.on === 'ratio' ? `${formatNumber(f.ratio)}×` : `${formatNumber(f.measured)} ${f.unit}`;
      const wanted = `${f.target.on === 'ratio' ? 'ratio' : f.unit === 'ms' ? 'time' : f.unit} ${f.target.op} ${f.target.value}${f.target.on === 'ratio' ? '' : ` ${f.unit}`}`;
      return [`| ${name} | ${f.name} | ${wanted} | ${subject} | ${f.targetMet ? 'met' : '**missed**'} | ${result.machine.loadAverageAtStart[0]} |`];
    }),
  );
  return ['| benchmark | figure | target | latest | | load at start |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

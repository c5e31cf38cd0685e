// What every benchmark reports and where it goes: figures measured against a baseline from the
// same run, the machine they ran on (a shared machine's load average at the start is part of
// the result), a table on stdout, and a merge into bench/results.json under the
// benchmark's name. Nothing here judges a figure: targets are printed, never asserted.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export const resultsFile = join(import.meta.dirname, '..', 'results.json');

export interface Figure {
  /** What was measured, e.g. "requests/s" or "median latency, 500 locations". */
  name: string;
  unit: string;
  measured: number;
  /** What the baseline is, e.g. "bare node:http, same bytes". */
  baselineName: string;
  baseline: number;
  /** The target from issue #9 on measured ÷ baseline (or on the measured value itself, as `on` says). */
  target?: { op: '≤' | '≥'; value: number; on: 'ratio' | 'measured' };
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  loadAverageAtStart: [number, number, number];
  date: string;
}

export interface BenchmarkResult {
  machine: MachineInfo;
  figures: (Figure & { ratio: number; targetMet?: boolean })[];
  /** How it was measured and anything the reader needs to weigh the numbers. */
  notes: string[];
}

export function machineInfo(): MachineInfo {
  const [one, five, fifteen] = loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: [one, five, fifteen],
    date: new Date().toISOString(),
  };
}

export function buildResult(machine: MachineInfo, figures: Figure[], notes: string[]): BenchmarkResult {
  return {
    machine,
    notes,
    figures: figures.map((f) => {
      const ratio = f.baseline === 0 ? Number.NaN : f.measured / f.baseline;
      if (!f.target) return { ...f, ratio };
      const subject = f.target.on === 'ratio' ? ratio : f.measured;
      const targetMet = f.target.op === '≤' ? subject <= f.target.value : subject >= f.target.value;
      return { ...f, ratio, targetMet };
    }),
  };
}

/** Merge one benchmark's result into results.json, keeping the others' latest results. */
export async function saveResult(name: string, result: BenchmarkResult): Promise<void> {
  const all = await readResults();
  all[name] = result;
  const ordered = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
  await writeFile(resultsFile, `${JSON.stringify(ordered, null, 2)}\n`);
}

export async function readResults(): Promise<Record<string, BenchmarkResult>> {
  try {
    return JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, BenchmarkResult>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** A number as a person reads it: three significant digits, thousands kept whole. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

export function targetText(figure: Figure & { targetMet?: boolean }): string {
  if (!figure.target) return '';
  const what = figure.target.on === 'ratio' ? 'ratio' : figure.unit;
  return `${figure.target.op} ${figure.target.value} ${what}: ${figure.targetMet ? 'met' : 'missed'}`;
}

/** The rows of a result as a Markdown table (the doc and the terminal use the same one). */
export function resultTable(result: BenchmarkResult): string {
  const rows = [
    ['figure', 'measured', 'baseline', 'ratio', 'target'],
    ...result.figures.map((f) => [
      f.name,
      `${formatNumber(f.measured)} ${f.unit}`,
      `${formatNumber(f.baseline)} ${f.unit} (${f.baselineName})`,
      `${formatNumber(f.ratio)}×`,
      targetText(f),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0] ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function machineLine(machine: MachineInfo): string {
  return `${machine.cores} × ${machine.cpuModel}, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' / ')}, ${machine.date}`;
}

/** One benchmark: what `npm run bench:<name>` runs. */
export interface Benchmark {
  name: string;
  /** One line for the table's heading. */
  title: string;
  run(): Promise<{ figures: Figure[]; notes: string[] }>;
}

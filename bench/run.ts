/**
 * `npm run bench`: the benchmarks of issue #7 against the real product and the emulators, each on
 * its own headless Temporal dev server. Prints a table, writes bench-results/bench-<timestamp>.json
 * (plus a .log with everything the product and emulators printed). See bench/README.md.
 *
 *   BENCH_ONLY=intake,overhead,sprint,scale,history,humans,footprint   which benchmarks (default: all, in this order)
 *   BENCH_INTAKE_INTENTS, BENCH_OVERHEAD_ITEMS, BENCH_SPRINT_ITEMS, BENCH_SCALE_ITEMS,
 *   BENCH_HISTORY_TICKS, BENCH_HISTORY_MAX_S, ...          sizes (see README)
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { machineInfo } from './support/machine';
import { ROOT, installRuntime, workflowBundle } from './support/temporal';
import type { BenchContext, BenchResult, Figure } from './types';
import { intakeBench } from './intake';
import { overheadBench } from './overhead';
import { sprintBench } from './sprint';
import { scaleBench } from './scale';
import { historyBench } from './history';
import { humansBench } from './humans';
import { footprintBench } from './footprint';

const BENCHES: Record<string, (ctx: BenchContext) => Promise<BenchResult>> = {
  intake: intakeBench,
  overhead: overheadBench,
  sprint: sprintBench,
  scale: scaleBench,
  history: historyBench,
  humans: humansBench,
  footprint: footprintBench,
};

function selected(): string[] {
  const only = process.env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!only?.length) return Object.keys(BENCHES);
  const unknown = only.filter((name) => !BENCHES[name]);
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  return only;
}

function formatValue(value: Figure['value']): string {
  if (value === null) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return value;
}

export function renderTable(results: BenchResult[]): string {
  // "previous" and "goal" columns only when some bench reports them (footprint).
  const extra = results.some((r) => r.figures.some((f) => 'previous' in f || f.goal !== undefined));
  const rows: string[][] = [['bench', 'metric', 'value', ...(extra ? ['previous', 'goal'] : []), 'unit']];
  for (const result of results) {
    result.figures.forEach((figure, index) =>
      rows.push([
        index === 0 ? result.name : '',
        figure.metric,
        formatValue(figure.value),
        ...(extra ? [figure.previous === undefined ? '' : formatValue(figure.previous), figure.goal ?? ''] : []),
        figure.unit,
      ]),
    );
    if (result.problems.length) rows.push(['', 'PROBLEMS', result.problems.join('; '), ...(extra ? ['', ''] : []), '']);
  }
  const numeric = (col: number) => col === 2 || (extra && col === 3);
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, col) => (numeric(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, col) => (numeric(col) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const names = selected();
  const startedAt = Date.now();
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const logPath = join(outDir, `bench-${stamp}.log`);
  const logStream = createWriteStream(logPath);
  // Everything the product and the emulators print goes to the log file; the terminal gets progress and the table.
  const terminal = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logStream.write(chunk);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stderr.write;
  const ctx: BenchContext = {
    log: (message) => {
      const line = `[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${message}\n`;
      terminal(line);
      logStream.write(line);
    },
  };
  const machine = machineInfo();
  ctx.log(`machine: ${machine.cpus}× ${machine.cpuModel}, ${machine.totalMemMiB} MiB, node ${machine.node}; benches: ${names.join(', ')}`);
  await installRuntime();
  ctx.log('bundling workflows');
  await workflowBundle();

  const results: BenchResult[] = [];
  for (const name of names) {
    const t0 = Date.now();
    ctx.log(`── ${name} ──`);
    try {
      const result = await BENCHES[name]!(ctx);
      results.push(result);
      ctx.log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(1)}s${result.problems.length ? ` — PROBLEMS: ${result.problems.join('; ')}` : ''}`);
    } catch (err) {
      const causes: string[] = [];
      for (let e: unknown = err; e instanceof Error && causes.length < 6; e = (e as Error & { cause?: unknown }).cause) {
        const details = (e as Error & { details?: unknown }).details;
        causes.push(`${e.name}: ${e.message}${details ? ` ${JSON.stringify(details).slice(0, 500)}` : ''}`);
      }
      const message = causes.length ? causes.join(' ← ') : String(err);
      ctx.log(`${name} FAILED: ${message}`);
      results.push({ name, title: name, wallS: (Date.now() - t0) / 1000, figures: [], details: { error: message }, problems: [`failed: ${message.slice(0, 400)}`] });
    }
  }
  const wallS = (Date.now() - startedAt) / 1000;
  const table = renderTable(results);
  const jsonPath = join(outDir, `bench-${stamp}.json`);
  const overrides = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('BENCH_')));
  const loadAvgAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
  writeFileSync(jsonPath, `${JSON.stringify({ schema: 'sprint-runner-bench/1', machine: { ...machine, loadAvgAtEnd }, wallS, overrides, results }, null, 2)}\n`);
  process.stdout.write(`\n${table}\n\n`);
  for (const result of results) {
    const notes = result.figures.filter((f) => f.note).map((f) => `  - ${f.metric}: ${f.note}`);
    if (notes.length) process.stdout.write(`${result.name} — ${result.title}\n${notes.join('\n')}\n`);
  }
  process.stdout.write(
    `\ntotal bench wall time: ${wallS.toFixed(1)} s on ${machine.cpus}× ${machine.cpuModel}, node ${machine.node}; load average at start ${machine.loadAvgAtStart.join(' ')}, at end ${loadAvgAtEnd.join(' ')}\n`,
  );
  process.stdout.write(`results: ${jsonPath}\nlog:     ${logPath}\n`);
  logStream.end();
  const failed = results.some((r) => r.problems.length);
  process.exitCode = failed ? 1 : 0;
  // Native handles (Prometheus exporter, runtime threads) keep the loop alive: exit explicitly.
  setTimeout(() => process.exit(process.exitCode), 200);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stdout.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  });
}

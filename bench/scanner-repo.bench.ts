// Flag scanner on a real repository checked out by hand (`npm run bench -- scanner-repo`), for example the Unleash
// frontend: `git clone https://github.com/Unleash/unleash /tmp/unleash` then
// `SCANNER_BENCH_REPO=/tmp/unleash/frontend npm run bench -- scanner-repo`. Skipped when the variable is not set
// (nothing is downloaded). Measures, with ts-morph already loaded:
//   1. three cold scans (FlagScanner.create + scan), each in a fresh process: wall and CPU time, counts;
//   2. one-file rescans: 20 edits (an appended comment, given as unsaved text: the repository is not written) of
//      each of four files: the one with the most references, a wrapper's file, one calling a wrapper, one without
//      references; median and p90 of wall and CPU time.
// Prints the references per method so that a caller count can be compared with a grep of the repository.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadavg } from 'node:os';
import { FlagScanner, loadTsMorph, type ScanResult } from '../shared/src/scanner/index.ts';

const EDITS = 20;
const COLD_RUNS = 3;
const repo = process.env.SCANNER_BENCH_REPO;

const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const at = (xs: readonly number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? Number.NaN;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

function measure<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const value = fn();
  const cpu = process.cpuUsage(cpuStart);
  return { value, wall: performance.now() - started, cpu: (cpu.user + cpu.system) / 1000 };
}

async function coldScan(root: string): Promise<{ wall: number; cpu: number; result: ScanResult }> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const scanner = await FlagScanner.create(root);
  const result = scanner.scan();
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - started;
  scanner.dispose();
  return { wall, cpu: (cpu.user + cpu.system) / 1000, result };
}

/** The child process of one cold scan: prints its numbers as one JSON line. */
async function coldChild(root: string): Promise<void> {
  await loadTsMorph();
  const { wall, cpu, result } = await coldScan(root);
  const byMethod: Record<string, number> = {};
  for (const r of result.references) byMethod[`${r.kind} ${r.method}`] = (byMethod[`${r.kind} ${r.method}`] ?? 0) + 1;
  console.log(
    JSON.stringify({
      wall,
      cpu,
      listed: result.filesScanned,
      parsed: result.filesParsed,
      references: result.references.length,
      unresolved: result.unresolved.length,
      wrappers: [...new Set(result.wrappers.map((w) => w.pattern.function))],
      byMethod,
    }),
  );
}

async function main(root: string): Promise<void> {
  console.log(`repository: ${root}; load average ${load()} (1/5/15 min)`);
  for (let run = 1; run <= COLD_RUNS; run++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--cold'], {
      encoding: 'utf8',
      env: process.env,
    });
    if (child.status !== 0) throw new Error(`cold scan ${run} failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    console.log(
      `cold scan ${run}: ${ms(r.wall as number)} wall, ${ms(r.cpu as number)} CPU — ${String(r.listed)} files listed, ${String(r.parsed)} parsed, ${String(r.references)} references (${String(r.unresolved)} unresolved), wrappers ${(r.wrappers as string[]).join(', ')}`,
    );
    if (run === 1) console.log(`  references by kind and method: ${JSON.stringify(r.byMethod)}`);
  }

  await loadTsMorph();
  const scanner = await FlagScanner.create(root);
  const result = scanner.scan();
  const counts = new Map<string, number>();
  for (const r of result.references) counts.set(r.file, (counts.get(r.file) ?? 0) + 1);
  const wrapperFiles = new Set(result.wrappers.map((w) => w.file));
  const wrapperNames = new Set(result.wrappers.map((w) => w.pattern.function));
  const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const caller = result.references.find((r) => wrapperNames.has(r.method) && !wrapperFiles.has(r.file))?.file;
  const picks: [string, string | undefined][] = [
    ['most references', busiest],
    ['wrapper declaration', [...wrapperFiles][0]],
    ['wrapper caller', caller],
    ['no references', busiest && siblingWithout(busiest, counts)],
  ];
  for (const [label, file] of picks) {
    if (!file) {
      console.log(`rescan (${label}): no such file`);
      continue;
    }
    const original = readFileSync(file, 'utf8');
    const walls: number[] = [];
    const cpus: number[] = [];
    let full = 0;
    for (let i = 0; i < EDITS; i++) {
      const m = measure(() => scanner.rescanFile(file, `${original}\n// bench edit ${i}\n`));
      walls.push(m.wall);
      cpus.push(m.cpu);
      if (m.value.fullRescan) full++;
    }
    scanner.rescanFile(file);
    console.log(
      `rescan (${label}, ${file.slice(root.length + 1)}, ${Math.round(original.length / 1024)} KB), ${EDITS} edits: median ${ms(at(walls, 0.5))} / p90 ${ms(at(walls, 0.9))} wall, median ${ms(at(cpus, 0.5))} / p90 ${ms(at(cpus, 0.9))} CPU${full ? `, ${full} full rescans` : ''}`,
    );
  }
  scanner.dispose();
  console.log(`load average at the end: ${load()}`);
}

/** A source file next to `file` (so scanned like it) with no reference. */
function siblingWithout(file: string, counts: ReadonlyMap<string, number>): string | undefined {
  const dir = dirname(file);
  return readdirSync(dir)
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f}`)
    .find((f) => !counts.has(f));
}

if (!repo) {
  console.log(
    'SCANNER_BENCH_REPO is not set: skipped (set it to a checked-out repository, e.g. the Unleash frontend).',
  );
} else if (process.argv.includes('--cold')) {
  await coldChild(repo);
} else {
  await main(repo);
}

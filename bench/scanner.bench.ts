// Flag scanner benchmark (`npm run bench -- scanner`). Measures, in one process and one run:
//   1. cold scan of a generated 5,000-file repository (FlagScanner.create + scan) vs. a baseline of plain
//      ts-morph (`new Project()` + `addSourceFilesAtPaths` + collecting every call expression);
//   2. incremental one-file rescans (an ordinary file, and a constants file other files depend on);
//   2b. the text pass: a cold scan with the 60 store keys (every file, every case variant, one regex);
//   3. the same cold comparison on a real public TypeScript package's sources, fetched with `npm pack`
//      from the npm registry into a temp dir at bench time (not committed).
// Prints times, ratios and the machine load; asserts nothing about time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagScanner, createPatterns, loadTsMorph, type ScannerConfig } from '../shared/src/scanner/index.ts';

/** A public package that ships its TypeScript sources (`src/**\/*.ts`). */
const REAL_PACKAGE = 'zod@4.6.7';
const FILE_COUNT = 5000;
const INCREMENTAL_RUNS = 20;

const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
/** Runs `fn`, returning its result with wall-clock and CPU (user + system) milliseconds of this process. */
async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { value, wall, cpu: (cpu.user + cpu.system) / 1000 };
}
const times = (m: { wall: number; cpu: number }): string => `${ms(m.wall)} wall, ${ms(m.cpu)} CPU`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? Number.NaN;

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

/**
 * A realistic repository: modules of ~60 lines importing each other; every 10th file evaluates flags through
 * literals, an `as const` map, an enum, a wrapper, or React hooks (.tsx); five use a global declared in a .d.ts
 * (resolved by the type checker).
 */
const FLAG_KEYS = Array.from({ length: 60 }, (_, i) => `flag-${i}`);

function generateRepo(root: string, count: number): { flagFile: string; keysFile: string; clientFile: string } {
  const flags = FLAG_KEYS;
  write(
    root,
    'tsconfig.json',
    JSON.stringify({ compilerOptions: { strict: true, jsx: 'react-jsx' }, include: ['src'] }),
  );
  write(root, '.gitignore', 'dist/\ncoverage/\n');
  const keysFile = 'src/flags/keys.ts';
  write(
    root,
    keysFile,
    `export const FLAGS = {\n${flags.map((f, i) => `  f${i}: '${f}',`).join('\n')}\n} as const;\n` +
      `export enum Flag {\n${flags.map((f, i) => `  F${i} = '${f}',`).join('\n')}\n}\n`,
  );
  const clientFile = 'src/flags/client.ts';
  write(
    root,
    clientFile,
    `import { OpenFeature } from '@openfeature/server-sdk';\nconst client = OpenFeature.getClient();\n` +
      `export function isOn(key: string, fallback = false): Promise<boolean> {\n  return client.getBooleanValue(key, fallback);\n}\n`,
  );
  // A global declared in a .d.ts: the only keys that need the type checker.
  write(root, 'src/globals.d.ts', `declare const GLOBAL_FLAG: 'flag-global';\n`);
  let flagFile = '';
  for (let i = 0; i < count; i++) {
    const dir = `src/m${Math.floor(i / 100)}`;
    const tsx = i % 20 === 10;
    const path = `${dir}/file${i}.${tsx ? 'tsx' : 'ts'}`;
    const a = (i * 7 + 3) % count;
    const b = (i * 13 + 5) % count;
    const imports = [
      `import { helper${a} } from '../m${Math.floor(a / 100)}/file${a}';`,
      `import type { Model${b} } from '../m${Math.floor(b / 100)}/file${b}';`,
    ];
    const body = [
      `export interface Model${i} { id: string; name: string; tags: string[]; createdAt: Date; score?: number }`,
      `export function helper${i}(items: Model${i}[]): string[] {`,
      `  const names = items.filter((x) => x.tags.length > 0).map((x) => x.name.trim());`,
      `  return names.sort((l, r) => l.localeCompare(r)).slice(0, ${i % 50});`,
      `}`,
      `export class Service${i} {`,
      `  private readonly cache = new Map<string, Model${i}>();`,
      `  constructor(private readonly prefix: string) {}`,
      `  get(id: string): Model${i} | undefined { return this.cache.get(this.prefix + id); }`,
      `  set(model: Model${i}): void { this.cache.set(this.prefix + model.id, model); console.debug('set', model.id); }`,
      `  list(): string[] { return helper${a}([...this.cache.values()] as never[]); }`,
      `  async load(fetcher: (id: string) => Promise<Model${b}>): Promise<void> {`,
      `    const results = await Promise.all(['a', 'b', 'c'].map((id) => fetcher(id)));`,
      `    for (const r of results) this.set(r as unknown as Model${i});`,
      `  }`,
      `}`,
      ...Array.from(
        { length: 8 },
        (_, j) =>
          `export const compute${i}_${j} = (n: number): number => Math.max(0, Math.round(n * ${j + 1} + Math.sqrt(n)));`,
      ),
    ];
    if (i % 1000 === 5) {
      imports.push(`import { OpenFeature } from '@openfeature/server-sdk';`);
      body.push(`export const global${i} = OpenFeature.getClient().getBooleanValue(GLOBAL_FLAG, false);`);
    }
    if (i % 10 === 0) {
      const f = (i / 10) % flags.length;
      if (!flagFile && !tsx) flagFile = path;
      imports.push(`import { FLAGS, Flag } from '../flags/keys';`, `import { isOn } from '../flags/client';`);
      if (tsx) {
        imports.push(`import { useBooleanFlagValue, useFlag } from '@openfeature/react-sdk';`);
        body.push(
          `export function Banner${i}() {`,
          `  const on = useBooleanFlagValue(FLAGS.f${f}, false);`,
          `  const { value } = useFlag('${flags[(f + 1) % flags.length]}', 'control');`,
          `  return on ? <div className="banner">{value}</div> : null;`,
          `}`,
        );
      } else {
        imports.push(`import { OpenFeature } from '@openfeature/server-sdk';`);
        body.push(
          `const client${i} = OpenFeature.getClient();`,
          `export async function decide${i}(): Promise<boolean> {`,
          `  const a = await client${i}.getBooleanValue('${flags[f]}', false);`,
          `  const b = await client${i}.getStringValue(Flag.F${(f + 2) % flags.length}, 'blue');`,
          `  return a && b !== 'blue' && (await isOn(FLAGS.f${(f + 3) % flags.length}));`,
          `}`,
        );
      }
    }
    write(root, path, `${imports.join('\n')}\n\n${body.join('\n')}\n`);
  }
  return { flagFile, keysFile, clientFile };
}

/** Plain ts-morph: every file in a Project, every call expression collected. */
async function baseline(glob: string) {
  const { Project, SyntaxKind } = await loadTsMorph();
  const project = new Project({ compilerOptions: { allowJs: true } });
  const run = await measure(() => {
    project.addSourceFilesAtPaths(glob);
    let calls = 0;
    for (const sf of project.getSourceFiles()) calls += sf.getDescendantsOfKind(SyntaxKind.CallExpression).length;
    return { calls, files: project.getSourceFiles().length };
  });
  for (const sf of project.getSourceFiles()) project.removeSourceFile(sf);
  return run;
}

async function coldScan(root: string, config?: ScannerConfig, keys?: readonly string[]) {
  return measure(async () => {
    const scanner = await FlagScanner.create(root, config);
    return { scanner, result: scanner.scan(keys === undefined ? {} : { keys }) };
  });
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1/5/15 min)`,
  );
  const loadStarted = performance.now();
  await loadTsMorph();
  console.log(`load ts-morph (once per process, not in the numbers below): ${ms(performance.now() - loadStarted)}`);

  const root = mkdtempSync(join(tmpdir(), 'rollgate-scan-bench-'));
  try {
    const genStarted = performance.now();
    const { flagFile, keysFile, clientFile } = generateRepo(root, FILE_COUNT);
    console.log(`\ngenerated ${FILE_COUNT} files (10% with flag calls) in ${ms(performance.now() - genStarted)}`);

    const cold = await coldScan(root);
    const { scanner, result } = cold.value;
    const t = result.timings;
    console.log(
      `cold scan (FlagScanner):    ${times(cold)}  [setup ${ms(t.setupMs)}, list+prefilter ${ms(t.prefilterMs)}, parse+resolve ${ms(t.parseMs)}, type checker ${ms(t.typeCheckMs)}]`,
    );
    console.log(
      `  ${result.filesScanned} files listed, ${result.filesParsed} parsed, ${result.references.length} references (${result.unresolved.length} unresolved), ${result.wrappers.length} wrapper(s)`,
    );
    const base = await baseline(`${root}/src/**/*.{ts,tsx}`);
    console.log(
      `baseline (plain ts-morph):  ${times(base)}  [${base.value.files} files, ${base.value.calls} call expressions]`,
    );
    console.log(
      `ratio baseline / scanner:   ${(base.wall / cold.wall).toFixed(1)}x wall, ${(base.cpu / cold.cpu).toFixed(1)}x CPU  (target: cold ≤ 3000 ms)`,
    );

    const withText = await coldScan(root, undefined, FLAG_KEYS);
    const tt = withText.value.result.timings;
    console.log(
      `\ncold scan + text pass (${FLAG_KEYS.length} keys × 4 spellings): ${times(withText)}  [text pass ${ms(tt.textMs ?? 0)}, ${withText.value.result.references.filter((r) => r.kind === 'text').length} text references]`,
    );
    withText.value.scanner.dispose();

    const rescans: number[] = [];
    for (let i = 0; i < INCREMENTAL_RUNS; i++) {
      const text = `import { OpenFeature } from '@openfeature/server-sdk';\nconst c = OpenFeature.getClient();\nexport const v${i} = c.getBooleanValue('edited-${i}', false);\n`;
      write(root, flagFile, text);
      rescans.push((await measure(() => scanner.rescanFile(join(root, flagFile)))).wall);
    }
    console.log(
      `\nincremental rescan of one file (${INCREMENTAL_RUNS} edits): median ${ms(median(rescans))}, p90 ${ms(p90(rescans))} wall  (target ≤ 20 ms)`,
    );
    // A key value changes: every file whose keys came from this one is re-resolved.
    const keysText = readFileSync(join(root, keysFile), 'utf8');
    write(root, keysFile, keysText.replace(`'${FLAG_KEYS[0]}'`, `'${FLAG_KEYS[0]}-renamed'`));
    const dep = await measure(() => scanner.rescanFile(join(root, keysFile)));
    console.log(
      `rescan of the shared keys file, one value edited (re-resolves its ${dep.value.files.length - 1} dependents): ${times(dep)}`,
    );
    // An edit inside the wrapper's body: its callers read nothing there, so only the wrapper's file is analysed.
    const clientText = readFileSync(join(root, clientFile), 'utf8');
    write(root, clientFile, clientText.replace('return client', 'const on = client;\n  return on'));
    const body = await measure(() => scanner.rescanFile(join(root, clientFile)));
    console.log(
      `rescan of the wrapper's file, body edited (${body.value.files.length - 1} dependents re-resolved, full rescan: ${body.value.fullRescan}): ${times(body)}`,
    );
    scanner.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const pkgDir = mkdtempSync(join(tmpdir(), 'rollgate-scan-real-'));
  try {
    const packed = spawnSync('npm', ['pack', REAL_PACKAGE, '--pack-destination', pkgDir, '--silent'], {
      encoding: 'utf8',
    });
    const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
    if (packed.status !== 0 || tarball === undefined) {
      console.log(`\nreal package: npm pack ${REAL_PACKAGE} failed (offline?): ${packed.stderr.trim()}`);
      return;
    }
    spawnSync('tar', ['xzf', join(pkgDir, tarball), '-C', pkgDir]);
    const src = join(pkgDir, 'package', 'src');
    const config: ScannerConfig = { patterns: createPatterns(['launchdarkly', 'unleash', 'growthbook']), exclude: [] };
    const real = await coldScan(src, config);
    const r = real.value.result;
    console.log(
      `\nreal package ${REAL_PACKAGE} (src/, all SDK presets on): cold scan ${times(real)} — ${r.filesScanned} files, ${r.filesParsed} parsed, ${r.references.length} references`,
    );
    real.value.scanner.dispose();
    const realBase = await baseline(`${src}/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}`);
    console.log(
      `baseline (plain ts-morph): ${times(realBase)}  [${realBase.value.files} files, ${realBase.value.calls} call expressions]`,
    );
    console.log(
      `ratio baseline / scanner: ${(realBase.wall / real.wall).toFixed(1)}x wall, ${(realBase.cpu / real.cpu).toFixed(1)}x CPU`,
    );
  } finally {
    rmSync(pkgDir, { recursive: true, force: true });
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
}

await main();

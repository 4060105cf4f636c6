import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  createPatterns,
  FlagScanner,
  type FlagReference,
  type ScannerConfig,
  type ScanResult,
} from '../../src/scanner/index.ts';

let root: string;

const defaultConfig = (): ScannerConfig => ({ patterns: createPatterns(), exclude: [] });

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

function keysByFile(refs: readonly FlagReference[]): Record<string, (string | undefined)[]> {
  const out: Record<string, (string | undefined)[]> = {};
  for (const r of refs) (out[r.file.slice(root.length + 1)] ??= []).push(r.key);
  return out;
}

function wrapperNames(wrappers: ScanResult['wrappers']): string[] {
  return wrappers.map((w) => w.pattern.function);
}

describe('FlagScanner on a workspace', () => {
  before(async () => {
    root = (await mkdtemp(join(tmpdir(), 'rollgate-scan-'))).replaceAll('\\', '/');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('honours .gitignore (root and nested), skips node_modules, and parses only files that mention a pattern', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      '.gitignore': 'generated/\n*.gen.ts\n',
      'src/a.ts': `client.getBooleanValue('a', false);`,
      'src/b.ts': `export const unrelated = 1;`,
      'src/x.gen.ts': `client.getBooleanValue('ignored-glob', false);`,
      'generated/g.ts': `client.getBooleanValue('ignored-dir', false);`,
      'pkg/.gitignore': 'local.ts\n',
      'pkg/local.ts': `client.getBooleanValue('ignored-nested', false);`,
      'pkg/kept.tsx': `export const C = () => useFlag('kept', false);`,
      'node_modules/lib/index.ts': `client.getBooleanValue('ignored-nm', false);`,
      'scripts/tool.mjs': `client.getStringValue('js', '');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), {
      'pkg/kept.tsx': ['kept'],
      'scripts/tool.mjs': ['js'],
      'src/a.ts': ['a'],
    });
    assert.equal(result.filesScanned, 4);
    assert.equal(result.filesParsed, 3);
    scanner.dispose();
  });

  it('parses a file that names a flag map only where the name can be a reference, not in prose', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/read.ts': `export const a = uiConfig.flags.propRead;`,
      'src/unicode.ts': `export const u = flags. señal;`,
      'src/cast.ts': `export const b = (cfg.featureFlags as Flags)?.['asCast'];`,
      'src/asi.ts': `const { destructured } =\n  flags\nexport const c = destructured`,
      'src/comment.ts': `export const d = (uiFlags /* note */)!\n  .commented;`,
      'src/param.tsx': `export const E = ({ flags: { param } }: Props) => <p>{param}</p>;`,
      'src/prose.tsx': `// Lists the feature flags of a project.\nexport const P = () => <p title="feature-flags">Your flags, all\nflags.\n</p>;`,
      'src/mock.ts': `export const uiConfig = { flags: { enabled: true }, version: 'x' };`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), {
      'src/asi.ts': ['destructured'],
      'src/cast.ts': ['asCast'],
      'src/comment.ts': ['commented'],
      'src/param.tsx': ['param'],
      'src/read.ts': ['propRead'],
      'src/unicode.ts': ['señal'],
    });
    assert.equal(result.filesParsed, 6);
    scanner.dispose();
  });

  it('parses a file that names an SDK function only where it is called; a wrapper name also as a value, not in a path', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/spaced.ts': `client.getBooleanValue\n  ('spaced', false);`,
      'src/typed.ts': `client.getStringValue<'a' | 'b'>('typed', 'a');`,
      'src/optional.ts': `client?.getNumberValue?.('optional', 0);`,
      'src/property.tsx': `export const row = { getBooleanValue: true };\nexport const C = (p: { getBooleanValue: boolean }) => p.getBooleanValue;`,
      'src/flags.ts': `export const isOn = (key: string) => client.getBooleanValue(key, false);`,
      'src/value.ts': `import { isOn } from './flags';\nexport const all = ['v'].map(isOn);`,
      'src/path.ts': `import { helper } from './lib/isOn';\nexport const h = helper;`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), {
      'src/optional.ts': ['optional'],
      'src/spaced.ts': ['spaced'],
      'src/typed.ts': ['typed'],
      'src/value.ts': [undefined],
    });
    assert.equal(result.filesParsed, 5);
    scanner.dispose();
  });

  it('honours tsconfig include/exclude and the config exclude patterns', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'tsconfig.json': JSON.stringify({ include: ['src'], exclude: ['src/legacy'] }),
      'src/a.ts': `client.getBooleanValue('a', false);`,
      'src/a.test.ts': `client.getBooleanValue('in-test', false);`,
      'src/legacy/old.ts': `client.getBooleanValue('excluded', false);`,
      'other/b.ts': `client.getBooleanValue('not-included', false);`,
    });
    const config = { ...defaultConfig(), exclude: ['*.test.ts'] };
    const scanner = await FlagScanner.create(root, config);
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/a.ts': ['a'] });
    scanner.dispose();
  });

  it('applies a wrapper detected in one file to calls in other files, and resolves imported keys', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string): boolean { return client.getBooleanValue(key, false); }`,
      'src/keys.ts': `export const KEYS = { checkout: 'new-checkout' } as const;`,
      'src/app.ts': `import { isOn } from './flags';\nimport { KEYS } from './keys';\nif (isOn(KEYS.checkout)) {}\nisOn(dynamic);`,
      'src/other.ts': `function isOn(x: string) { return x; }\nisOn('not-a-flag');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/app.ts': ['new-checkout', undefined] });
    assert.deepEqual(
      result.wrappers.map((w) => [w.pattern.function, w.forwardsTo, w.file.slice(root.length + 1)]),
      [['isOn', 'getBooleanValue', 'src/flags.ts']],
    );
    assert.equal(result.unresolved.length, 1);
    assert.equal(result.unresolved[0]?.keyExpression, 'dynamic');
    scanner.dispose();
  });

  it('matches calls of a detected wrapper imported through a tsconfig paths alias', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['src/*'] } } }),
      'src/lib/flags.ts': `export const isOn = (key: string) => client.getBooleanValue(key, false);`,
      'src/app.ts': `import { isOn } from '@/lib/flags';\nisOn('aliased-wrapper');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/app.ts': ['aliased-wrapper'] });
    scanner.dispose();
  });

  it('resolves a paths alias to a file created after the scan once the new file is rescanned', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/*': ['src/*'] } } }),
      'src/use.ts': `import { KEY } from '@app/keys';\nclient.getBooleanValue(KEY, false);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/use.ts': [undefined] });
    await write({ 'src/keys.ts': `export const KEY = 'late';` });
    scanner.rescanFile(join(root, 'src/keys.ts'));
    const { result } = scanner.rescanFile(join(root, 'src/use.ts'));
    assert.deepEqual(keysByFile(result.references), { 'src/use.ts': ['late'] });
    scanner.dispose();
  });

  it('rescans one file incrementally: edits, dependency edits, unsaved text, new and deleted files', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/keys.ts': `export const K = 'k1';`,
      'src/a.ts': `import { K } from './keys';\nclient.getBooleanValue(K, false);`,
      'src/b.ts': `client.getBooleanValue('b1', false);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/a.ts': ['k1'], 'src/b.ts': ['b1'] });

    await write({ 'src/b.ts': `client.getBooleanValue('b2', false);\nclient.getBooleanValue('b3', false);` });
    let rescan = scanner.rescanFile(join(root, 'src/b.ts'));
    assert.deepEqual(rescan.files, [`${root}/src/b.ts`]);
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/a.ts': ['k1'], 'src/b.ts': ['b2', 'b3'] });

    rescan = scanner.rescanFile('src/keys.ts', `export const K = 'k2';`);
    assert.deepEqual(rescan.files, [`${root}/src/keys.ts`, `${root}/src/a.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/a.ts': ['k2'], 'src/b.ts': ['b2', 'b3'] });

    await write({ 'src/c.ts': `useFlag('c1', false);` });
    rescan = scanner.rescanFile('src/c.ts');
    assert.deepEqual(keysByFile(rescan.result.references)['src/c.ts'], ['c1']);

    await unlink(join(root, 'src/b.ts'));
    rescan = scanner.rescanFile('src/b.ts');
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/a.ts': ['k2'], 'src/c.ts': ['c1'] });
    assert.equal(rescan.result.filesScanned, 3);
    scanner.dispose();
  });

  it('re-resolves the files that depend on a rescanned file only when its top level changes, not its bodies', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export const KEY = 'k1';\nexport function isOn(key: string) {\n  return client.getBooleanValue(key, false);\n}`,
      'src/app.ts': `import { isOn, KEY } from './flags';\nisOn(KEY);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/app.ts': ['k1'] });
    const body = `export const KEY = 'k1';\nexport function isOn(key: string) {\n  const k = 'k2';\n  return client.getBooleanValue(key, k === key);\n}\n// trailing`;
    let rescan = scanner.rescanFile('src/flags.ts', body);
    assert.deepEqual(rescan.files, [`${root}/src/flags.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['k1'] });
    rescan = scanner.rescanFile('src/flags.ts', body.replace(`KEY = 'k1'`, `KEY = 'k2'`));
    assert.deepEqual(rescan.files, [`${root}/src/flags.ts`, `${root}/src/app.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['k2'] });
    scanner.dispose();
  });

  it('a wrapper of a detected wrapper is a wrapper, in a scan and in rescans alike', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string) { return client.getBooleanValue(key, false); }`,
      'src/outer.ts': `import { isOn } from './flags';\nexport function outer(k: string) { return isOn(k); }`,
      'src/app.ts': `import { isOn } from './flags';\nimport { outer } from './outer';\nisOn('a');\nouter('b');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/app.ts': ['a', 'b'] });
    assert.deepEqual(result.unresolved, []);
    assert.deepEqual(
      result.wrappers.map((w) => [w.pattern.function, w.forwardsTo, w.depth]),
      [
        ['isOn', 'getBooleanValue', 1],
        ['outer', 'isOn', 2],
      ],
    );
    let rescan = scanner.rescanFile('src/app.ts', `import { outer } from './outer';\nouter('c');\nouter('d');`);
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(rescan.files, [`${root}/src/app.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['c', 'd'] });
    // A body edit of the outer wrapper that keeps it a wrapper re-analyses that file only.
    rescan = scanner.rescanFile(
      'src/outer.ts',
      `import { isOn } from './flags';\nexport function outer(k: string) {\n  const on = isOn(k);\n  return on;\n}`,
    );
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(rescan.files, [`${root}/src/outer.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['c', 'd'] });
    // Called nowhere, the outer wrapper keeps its forwarding call as an unresolved reference (the chain's only one).
    rescan = scanner.rescanFile('src/app.ts', `export {};`);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/outer.ts': [undefined] });
    scanner.dispose();
  });

  it('follows a chain of three wrappers across files, up to four levels; a fifth is an unresolved reference', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      // Two levels in one file, the others in files of their own (hook → util → SDK, and deeper).
      'src/flags.ts': `export function level1(key: string) { return client.getBooleanValue(key, false); }\nexport const level2 = (key: string) => level1(key);`,
      'src/hooks.ts': `import { level2 } from './flags';\nexport function useLevel3(name: string) { return level2(name); }`,
      'src/four.ts': `import { useLevel3 } from './hooks';\nexport function level4(n: string) { return useLevel3(n); }`,
      'src/five.ts': `import { level4 } from './four';\nexport function level5(n: string) { return level4(n); }`,
      'src/app.ts': `import { useLevel3 } from './hooks';\nimport { level4 } from './four';\nimport { level5 } from './five';\nuseLevel3('three');\nlevel4('four');\nlevel5('five');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/app.ts': ['three', 'four'], 'src/five.ts': [undefined] });
    assert.equal(result.unresolved[0]?.keyExpression, 'n');
    assert.deepEqual(
      result.wrappers.map((w) => `${w.pattern.function}:${w.depth}`),
      ['level1:1', 'level2:2', 'useLevel3:3', 'level4:4'],
    );
    const rescan = scanner.rescanFile('src/app.ts', `import { useLevel3 } from './hooks';\nuseLevel3('edited');`);
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['edited'], 'src/five.ts': [undefined] });
    scanner.dispose();
  });

  it('follows a hook wrapping a flag map reader (useFeature → useUiFlag → uiConfig.flags)', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/use-ui-flag.ts': `export const useUiFlag = (flag: string) => uiConfig.flags[flag] === true;`,
      'src/use-feature.ts': `import { useUiFlag } from './use-ui-flag';\nexport function useFeature(name: string) { return useUiFlag(name); }`,
      'src/page.tsx': `import { useFeature } from './use-feature';\nexport const Page = () => (useFeature('newNav') ? <nav /> : null);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/page.tsx': ['newNav'] });
    assert.deepEqual(
      result.wrappers.map((w) => `${w.pattern.function}:${w.depth}`),
      ['useUiFlag:1', 'useFeature:2'],
    );
    scanner.dispose();
  });

  it('ends on wrappers that call each other: without an SDK call neither is one, with one each gets its level', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/a.ts': `import { b } from './b';\nexport function a(k: string): boolean { return b(k); }`,
      'src/b.ts': `import { a } from './a';\nexport function b(k: string): boolean { return a(k); }`,
      'src/app.ts': `import { a } from './a';\nimport { b } from './b';\na('p');\nb('q');\nclient.getBooleanValue('direct', false);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    let result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/app.ts': ['direct'] });
    assert.deepEqual(result.wrappers, []);
    const withSdk = `import { b } from './b';\nexport function a(k: string): boolean { return k ? b(k) : client.getBooleanValue(k, false); }`;
    let rescan = scanner.rescanFile('src/a.ts', withSdk);
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(rescan.files, [`${root}/src/a.ts`, `${root}/src/app.ts`, `${root}/src/b.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['p', 'q', 'direct'] });
    assert.deepEqual(
      rescan.result.wrappers.map((w) => `${w.pattern.function}:${w.depth}→${w.forwardsTo}`),
      ['a:1→getBooleanValue', 'b:2→a'],
    );
    // A scan from scratch agrees, and a body edit that keeps both wrappers stays a one-file rescan.
    result = scanner.scan();
    assert.deepEqual(result.references, rescan.result.references);
    assert.deepEqual(result.wrappers, rescan.result.wrappers);
    rescan = scanner.rescanFile(
      'src/b.ts',
      `import { a } from './a';\nexport function b(k: string): boolean {\n  return a(k);\n}`,
    );
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['p', 'q', 'direct'] });
    assert.deepEqual(rescan.files, [`${root}/src/b.ts`]);
    // Without the SDK call again, the cycle does not keep itself alive.
    rescan = scanner.rescanFile(
      'src/a.ts',
      `import { b } from './b';\nexport function a(k: string): boolean { return b(k); }`,
    );
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['direct'] });
    assert.deepEqual(rescan.result.wrappers, []);
    scanner.dispose();
  });

  it('a rescan that makes a function stop being a wrapper removes its and its outer wrappers’ call sites', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string) { return client.getBooleanValue(key, false); }`,
      'src/outer.ts': `import { isOn } from './flags';\nexport function outer(k: string) { return isOn(k); }`,
      'src/app.ts': `import { isOn } from './flags';\nimport { outer } from './outer';\nisOn('a');\nouter('b');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/app.ts': ['a', 'b'] });
    const rescan = scanner.rescanFile('src/flags.ts', `export function isOn(key: string) { return key.length > 0; }`);
    assert.equal(rescan.fullRescan, false);
    // The wrapper's file, then the files naming it (app, outer), then those naming outer (app again).
    assert.deepEqual(rescan.files, [`${root}/src/flags.ts`, `${root}/src/app.ts`, `${root}/src/outer.ts`]);
    assert.deepEqual(rescan.result.references, []);
    assert.deepEqual(rescan.result.wrappers, []);
    scanner.dispose();
  });

  it('a rescan that makes a function a wrapper of a wrapper adds its call sites in other files', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string) { return client.getBooleanValue(key, false); }`,
      'src/outer.ts': `export function outer(k: string) { return k.length > 0; }`,
      'src/app.ts': `import { isOn } from './flags';\nimport { outer } from './outer';\nisOn('a');\nouter('b');`,
      'src/page.ts': `import { outer } from './outer';\nexport const on = outer('page');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/app.ts': ['a'] });
    const rescan = scanner.rescanFile(
      'src/outer.ts',
      `import { isOn } from './flags';\nexport function outer(k: string) { return isOn(k); }`,
    );
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(rescan.files, [`${root}/src/outer.ts`, `${root}/src/app.ts`, `${root}/src/page.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['a', 'b'], 'src/page.ts': ['page'] });
    assert.deepEqual(wrapperNames(rescan.result.wrappers), ['isOn', 'outer']);
    assert.deepEqual(scanner.scan().references, rescan.result.references);
    scanner.dispose();
  });

  it('near misses of a wrapper of a wrapper: a constant key is a reference, a computed key an unresolved one', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string) { return client.getBooleanValue(key, false); }`,
      'src/helpers.ts': `import { isOn } from './flags';\nconst prefix = 'team-';\nexport function checkout(k: string) { return k === 'x' && isOn('checkout'); }\nexport function prefixed(k: string) { return isOn(prefix + k); }`,
      'src/app.ts': `import { checkout, prefixed } from './helpers';\ncheckout('x');\nprefixed('y');`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/helpers.ts': ['checkout', undefined] });
    assert.equal(result.unresolved[0]?.keyExpression, 'prefix + k');
    assert.deepEqual(wrapperNames(result.wrappers), ['isOn']);
    scanner.dispose();
  });

  it('leaves ignored and non-source files out of a rescan', async () => {
    await rm(root, { recursive: true, force: true });
    await write({ '.gitignore': 'dist/\n', 'src/a.ts': `client.getBooleanValue('a', false);` });
    const scanner = await FlagScanner.create(root, defaultConfig());
    scanner.scan();
    await write({
      'dist/a.js': `client.getBooleanValue('built', false);`,
      'notes.md': `client.getBooleanValue('doc', false);`,
    });
    assert.deepEqual(keysByFile(scanner.rescanFile('dist/a.js').result.references), { 'src/a.ts': ['a'] });
    const rescan = scanner.rescanFile('notes.md');
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/a.ts': ['a'] });
    assert.equal(rescan.result.filesScanned, 1);
    scanner.dispose();
    assert.throws(() => scanner.scan(), { code: 'GENERAL' });
  });

  it('re-analyses the files that name a wrapper a rescan adds', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'src/flags.ts': `export function isOn(key: string) { return key.length > 0; }`,
      'src/app.ts': `import { isOn } from './flags';\nisOn('w1');\nclient.getBooleanValue('direct', false);`,
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    assert.deepEqual(keysByFile(scanner.scan().references), { 'src/app.ts': ['direct'] });
    const rescan = scanner.rescanFile(
      'src/flags.ts',
      `export function isOn(key: string) { return client.getBooleanValue(key, false); }`,
    );
    assert.equal(rescan.fullRescan, false);
    assert.deepEqual(rescan.files, [`${root}/src/flags.ts`, `${root}/src/app.ts`]);
    assert.deepEqual(keysByFile(rescan.result.references), { 'src/app.ts': ['w1', 'direct'] });
    scanner.dispose();
  });

  it('uses the type checker for keys only types know: a global in a .d.ts, a constant declared without a value', async () => {
    await rm(root, { recursive: true, force: true });
    await write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@flags/*': ['src/flags/*'] } } }),
      'src/globals.d.ts': `declare const GLOBAL_FLAG: 'from-global';`,
      'src/flags/keys.ts': `export declare const TYPED: 'typed-only';\nexport const ALIASED = 'aliased';`,
      'src/a.ts': [
        `import { TYPED, ALIASED } from '@flags/keys';`,
        `client.getBooleanValue(GLOBAL_FLAG, false);`,
        `client.getBooleanValue(TYPED, false);`,
        `client.getBooleanValue(ALIASED, false);`,
      ].join('\n'),
    });
    const scanner = await FlagScanner.create(root, defaultConfig());
    const result = scanner.scan();
    assert.deepEqual(keysByFile(result.references), { 'src/a.ts': ['from-global', 'typed-only', 'aliased'] });
    scanner.dispose();
    const syntaxOnly = await FlagScanner.create(root, { ...defaultConfig(), useTypeChecker: false });
    assert.deepEqual(keysByFile(syntaxOnly.scan().references), { 'src/a.ts': [undefined, undefined, 'aliased'] });
    syntaxOnly.dispose();
  });

  it('refuses a broken tsconfig with file:line and a hint', async () => {
    await rm(root, { recursive: true, force: true });
    await write({ 'tsconfig.json': '{\n  "include": [\n' });
    await assert.rejects(FlagScanner.create(root, defaultConfig()), (e: unknown) => {
      const err = e as { code: string; message: string; details: { line?: number; hint?: string } };
      assert.equal(err.code, 'PARSE_ERROR');
      assert.match(err.message, /tsconfig\.json:\d+:\d+/);
      assert.ok(err.details.hint);
      return true;
    });
  });

  it('importing the entry point does not load ts-morph or TypeScript', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      await import(${JSON.stringify(new URL('../../src/scanner/index.ts', import.meta.url).href)});
      console.log(Object.keys(require.cache).filter((k) => /[\\\\/](ts-morph|typescript)[\\\\/]/.test(k)).length);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout.trim(), '0');
  });
});

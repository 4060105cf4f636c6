import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPatterns, detectStaleFlags, DEFAULT_STALE_POLICY, FlagScanner } from '../../src/scanner/index.ts';
import type { FlagReference, ScannerConfig } from '../../src/scanner/index.ts';
import { storeDocumentSchema } from '../../src/flags/model.ts';

let root: string;
const config = (): ScannerConfig => ({ patterns: createPatterns(), exclude: [] });

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** `file kind key` of each reference, paths relative to the root. */
function list(refs: readonly FlagReference[]): string[] {
  return refs.map((r) => `${r.file.slice(root.length + 1)} ${r.kind} ${r.key ?? '?'}`);
}

describe('FlagScanner on real workspaces', () => {
  beforeEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = (await mkdtemp(join(tmpdir(), 'rollgate-ws-'))).replaceAll('\\', '/');
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('monorepo: nested tsconfigs, project references and workspaces are scanned; folders no tsconfig selects are warned about', async () => {
    await write({
      'package.json': JSON.stringify({ private: true, workspaces: ['packages/*', 'frontend'] }),
      // The root tsconfig excludes frontend/ (the Unleash layout) and references a package.
      'tsconfig.json': JSON.stringify({
        include: ['server'],
        exclude: ['frontend'],
        references: [{ path: './packages/lib' }],
      }),
      'server/a.ts': `client.getBooleanValue('server-flag', false);`,
      'frontend/tsconfig.json': JSON.stringify({ include: ['src'] }),
      'frontend/src/app.tsx': `export const A = () => useBooleanFlagValue('frontend-flag', false);`,
      'packages/lib/tsconfig.json': JSON.stringify({ compilerOptions: { composite: true }, include: ['src'] }),
      'packages/lib/src/index.ts': `client.getStringValue('lib-flag', '');`,
      'tools/gen.ts': `client.getBooleanValue('tool-flag', false);`,
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan();
    scanner.dispose();
    assert.deepEqual(list(result.references), [
      'frontend/src/app.tsx call frontend-flag',
      'packages/lib/src/index.ts call lib-flag',
      'server/a.ts call server-flag',
    ]);
    assert.deepEqual(result.warnings, [
      '1 source file in tools/ is in no tsconfig and was not scanned: add a tsconfig there, or point `tsconfig` in .rollgate/scanner.yaml at one that includes them.',
    ]);
  });

  it('an exported wrapper with a dynamic key and no call site stays an unresolved reference: never ready to archive', async () => {
    await write({
      'src/run.ts': `export function run(k: string) { return client.getBooleanValue(k, false); }`,
      'src/used.ts': `client.getBooleanValue('used-flag', false);`,
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan();
    scanner.dispose();
    assert.deepEqual(list(result.unresolved), ['src/run.ts call ?']);
    assert.match(result.unresolved[0]!.unresolvedReason!, /parameter "k" of the flag wrapper run/);
    const document = storeDocumentSchema.parse({
      version: 1,
      environments: [{ key: 'production' }],
      flags: ['unused-flag', 'used-flag'].map((key) => ({
        key,
        name: key,
        kind: 'release',
        createdAt: '2026-01-01T00:00:00Z',
        type: 'boolean',
        variants: { on: true, off: false },
      })),
    });
    const report = detectStaleFlags({
      document,
      references: result.references,
      audit: [],
      now: new Date('2026-02-01T00:00:00Z'),
      policy: DEFAULT_STALE_POLICY,
    });
    const notInCode = report.flags.find((f) => f.key === 'unused-flag')?.reasons.find((r) => r.code === 'NOT_IN_CODE');
    assert.equal(notInCode?.code === 'NOT_IN_CODE' && notInCode.readyToArchive, false);
  });

  it('a wrapper called with a dynamic key is an unresolved reference at that call site', async () => {
    await write({
      'src/run.ts': `export function run(k: string) { return client.getBooleanValue(k, false); }`,
      'src/app.ts': `import { run } from './run';\nrun('static-flag');\nexport const go = (name: string) => run(\`prefix-\${name}\`);`,
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan();
    scanner.dispose();
    assert.deepEqual(list(result.references), ['src/app.ts call static-flag', 'src/app.ts call ?']);
  });

  it('wrapper calls through a barrel are matched; renamed or stored wrappers stay unresolved: never ready to archive', async () => {
    await write({
      'src/flags/run.ts': `export function run(k: string) { return client.getBooleanValue(k, false); }`,
      'src/flags/index.ts': `export * from './run';\nexport { run as check } from './run';`,
      'src/app.ts': [
        `import { run } from './flags';`,
        `import * as flags from './flags/index';`,
        `import { run as evaluate } from './flags/run';`,
        `run('barrel-flag');`,
        `flags.run('namespace-flag');`,
        `const alias = run;`,
        `export const all = (names: string[]) => names.map((n) => alias(n) || evaluate(n));`,
      ].join('\n'),
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan();
    scanner.dispose();
    assert.deepEqual(list(result.references), [
      'src/app.ts call ?', // import { run as evaluate }
      'src/app.ts call barrel-flag',
      'src/app.ts call namespace-flag',
      'src/app.ts call ?', // const alias = run
      'src/flags/index.ts call ?', // export { run as check }
    ]);
    assert.deepEqual(
      result.unresolved.map((r) => r.unresolvedReason),
      [
        'the flag wrapper run is renamed to evaluate; calls under that name are not followed',
        'the flag wrapper run is passed as a value; its keys are given where it is called',
        'the flag wrapper run is renamed to check; calls under that name are not followed',
      ],
    );
    const report = detectStaleFlags({
      document: storeDocumentSchema.parse({
        version: 1,
        environments: [{ key: 'production' }],
        flags: [
          {
            key: 'unused-flag',
            name: 'unused-flag',
            kind: 'release',
            createdAt: '2026-01-01T00:00:00Z',
            type: 'boolean',
            variants: { on: true, off: false },
          },
        ],
      }),
      references: result.references,
      audit: [],
      now: new Date('2026-02-01T00:00:00Z'),
      policy: DEFAULT_STALE_POLICY,
    });
    const notInCode = report.flags.find((f) => f.key === 'unused-flag')?.reasons.find((r) => r.code === 'NOT_IN_CODE');
    assert.ok(notInCode?.code === 'NOT_IN_CODE');
    assert.equal(notInCode.readyToArchive, false);
    assert.match(notInCode.message, /may be referenced dynamically at .*src\/app\.ts:3:10, /);
  });

  it('config objects in another file whose property reaches an evaluator', async () => {
    await write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true }, include: ['src'] }),
      'src/types.ts': `export interface Route { path: string; flag?: string }\nexport interface Other { flag?: string }`,
      'src/routes.ts': `import type { Route, Other } from './types';\nexport const routes: Route[] = [{ path: '/license', flag: 'enableLicense' }];\nexport const other: Other = { flag: 'not-a-route-flag' };`,
      'src/menu.ts': `import type { Route } from './types';\nexport const show = (route: Route) => client.getBooleanValue(route.flag!, false);`,
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan();
    scanner.dispose();
    assert.deepEqual(list(result.references), ['src/menu.ts call ?', 'src/routes.ts config-object enableLicense']);
  });

  it('text pass: tracked files of any language, case variants, one reference per key match, git-ignored files left out', async () => {
    await write({
      '.gitignore': 'ignored/\n',
      'src/app.ts': `client.getBooleanValue('new-checkout', false);`,
      'deploy/values.yaml': `env:\n  NEW_CHECKOUT: "true"\n  on: 1\n`,
      'svc/main.go': `if flags.Bool("new-checkout") {}\n`,
      'ml/train.py': `if settings.new_checkout and old_banner_x:\n    pass\n`,
      'web/legacy.js': `const x = cfg.newCheckout; const y = 'new-checkout-v2';\n`,
      'ignored/notes.md': 'new-checkout\n',
      'bin/blob.bin': 'new-checkout\0binary',
      // Files that list every flag say nothing about use: the store, codegen output, compiled flagd JSON.
      '.rollgate/flags.yaml': 'flags:\n  - key: new-checkout\n',
      'src/flags.generated.ts':
        "// Generated by `rollgate codegen`. Do not edit.\nexport type FlagKey = 'new-checkout';\n",
      'deploy/flagd.json': '{ "$schema": "https://flagd.dev/schema/v0/flags.json", "flags": { "new-checkout": {} } }',
    });
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['add', '-A'], { cwd: root });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan({ keys: ['new-checkout', 'on'] });
    assert.deepEqual(list(result.references), [
      'deploy/values.yaml text new-checkout',
      'ml/train.py text new-checkout',
      'src/app.ts call new-checkout', // the call's key is not counted again as text
      'svc/main.go text new-checkout',
      'web/legacy.js text new-checkout',
    ]);
    // A rescan keeps the text references of the other files and redoes the rescanned file's.
    const rescan = scanner.rescanFile(join(root, 'web/legacy.js'), 'export const none = 1;\n');
    assert.deepEqual(
      list(rescan.result.references).filter((r) => r.startsWith('web/') || r.startsWith('svc/')),
      ['svc/main.go text new-checkout'],
    );
    scanner.dispose();
  });

  it('text pass without git: walks the root honouring .gitignore', async () => {
    await write({
      '.gitignore': 'ignored/\n',
      'config/flags.json': `{ "MyFeature": true }`,
      'ignored/x.json': `{ "my-feature": true }`,
    });
    const scanner = await FlagScanner.create(root, config());
    const result = scanner.scan({ keys: ['my-feature'] });
    scanner.dispose();
    assert.deepEqual(list(result.references), []); // PascalCase is no variant we search
    const again = await FlagScanner.create(root, config());
    assert.deepEqual(list(again.scan({ keys: ['myFeature'] }).references), []);
    again.dispose();
  });
});

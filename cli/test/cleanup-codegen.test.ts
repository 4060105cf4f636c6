// `rollgate cleanup` and `rollgate codegen` on the built CLI, in a temp repository (owned by the cleanup/snippets area).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

const APP = `interface Client {
  getBooleanValue(key: string, defaultValue: boolean): boolean;
  getStringValue(key: string, defaultValue: string): string;
}
declare const client: Client;

export function label(): string {
  if (client.getBooleanValue('new-checkout', false)) {
    return 'new';
  }
  return 'old';
}

export const theme = client.getStringValue('checkout-theme', 'light');
export const isLight = theme === 'light';
`;

/** A repo with a store holding new-checkout (boolean) and checkout-theme (string), and src/app.ts using both. */
function repo(dir: string): void {
  rollgateJson(dir, ['init']);
  rollgateJson(dir, ['create', 'new-checkout', '--type', 'boolean']);
  rollgateJson(dir, [
    'create',
    'checkout-theme',
    '--type',
    'string',
    '--variant',
    'light=light',
    '--variant',
    'dark=dark',
  ]);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/app.ts'), APP);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'es2022', noEmit: true, types: [] } }),
  );
}

interface CleanupJson {
  applied: boolean;
  ok?: boolean;
  check?: { files: number; unresolvedImports: number };
  files: { file: string; replaced: number; diff: string }[];
  newDiagnostics?: { file: string; code: number }[];
}

describe('rollgate cleanup / codegen', () => {
  before(() => ensureBuilt());

  it('cleanup is a dry run by default, and --apply writes the simplified file', () => {
    using dir = tempDir();
    repo(dir.path);
    const dry = rollgate(dir.path, ['cleanup', 'new-checkout', '--keep', 'on']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^- {2}if \(client\.getBooleanValue\('new-checkout', false\)\) \{$/m);
    assert.match(dry.stdout, /Dry run: 1 file\(s\), 1 evaluation\(s\) of "new-checkout" replaced by variant "on"/);
    assert.equal(readFileSync(join(dir.path, 'src/app.ts'), 'utf8'), APP);

    const applied = rollgateJson<CleanupJson>(dir.path, ['cleanup', 'new-checkout', '--keep', 'on', '--apply']);
    assert.equal(applied.applied, true);
    assert.equal(applied.ok, true);
    assert.deepEqual(applied.check, { files: 1, unresolvedImports: 0 });
    assert.match(
      readFileSync(join(dir.path, 'src/app.ts'), 'utf8'),
      /export function label\(\): string \{\n {2}return 'new';\n\}/,
    );
  });

  it('cleanup --apply reports a type error it introduced and exits 1', () => {
    using dir = tempDir();
    repo(dir.path);
    const result = rollgate(dir.path, ['--json', 'cleanup', 'checkout-theme', '--keep', 'dark', '--apply']);
    assert.equal(result.status, 1);
    const out = JSON.parse(result.stdout) as CleanupJson;
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.newDiagnostics?.map((d) => [d.file, d.code]),
      [['src/app.ts', 2367]],
    );
    assert.match(result.stderr, /new type error/);
  });

  it('cleanup --apply says the type check is partial when imports are unresolved', () => {
    using dir = tempDir();
    repo(dir.path);
    writeFileSync(join(dir.path, 'src/app.ts'), `import { track } from 'analytics-not-installed';\n${APP}track();\n`);
    const result = rollgate(dir.path, ['cleanup', 'new-checkout', '--keep', 'on', '--apply']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /type check partial: 0 new type errors in 1 edited file, but 1 import is unresolved/);
    assert.doesNotMatch(result.stdout, /still type-check/);
  });

  it('cleanup refuses an unknown variant with the variants in the hint', () => {
    using dir = tempDir();
    repo(dir.path);
    const result = rollgate(dir.path, ['cleanup', 'new-checkout', '--keep', 'maybe']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no variant "maybe"/);
    assert.match(result.stderr, /hint: Keep one of: on, off\./);
  });

  it('codegen writes the typed accessor module', () => {
    using dir = tempDir();
    repo(dir.path);
    const out = rollgateJson<{ flags: number }>(dir.path, ['codegen', '--out', 'src/flags.generated.ts']);
    assert.equal(out.flags, 2);
    const code = readFileSync(join(dir.path, 'src/flags.generated.ts'), 'utf8');
    assert.match(code, /newCheckout: \(client: Client, context\?: EvaluationContext\): Promise<boolean> =>/);
    assert.match(code, /client\.getStringValue<'light' \| 'dark'>\('checkout-theme', /);
  });
});

// `rollgate scan` and `rollgate stale` on the built CLI, in a temp repository (owned by the scanner area).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, NOW, rollgate, rollgateJson, tempDir } from './helpers.ts';

interface ScanJson {
  flags: { key: string; references: { file: string; method: string }[] }[];
  unresolved: { keyExpression: string; unresolvedReason: string }[];
  filesScanned: number;
}
interface StaleJson {
  now: string;
  flags: { key: string; reasons: { code: string; message: string; suggestion?: string }[] }[];
  unresolved: { code: string }[];
}

function repo(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/keys.ts'), `export const KEYS = { checkout: 'new-checkout' } as const;\n`);
  writeFileSync(
    join(dir, 'src/app.ts'),
    [
      `import { KEYS } from './keys';`,
      `client.getBooleanValue(KEYS.checkout, false);`,
      `client.getBooleanValue('new-chekout', false);`,
      `client.getStringValue(makeKey(), 'x');`,
    ].join('\n'),
  );
}

describe('rollgate scan / stale', () => {
  before(() => ensureBuilt());

  it('scan groups references by flag and lists unresolved keys', () => {
    using dir = tempDir();
    repo(dir.path);
    const out = rollgateJson<ScanJson>(dir.path, ['scan']);
    assert.deepEqual(
      out.flags.map((f) => [f.key, f.references.length]),
      [
        ['new-checkout', 1],
        ['new-chekout', 1],
      ],
    );
    assert.deepEqual(
      out.unresolved.map((u) => [u.keyExpression, u.unresolvedReason]),
      [['makeKey()', 'the key is computed by a call (makeKey)']],
    );
    assert.equal(out.filesScanned, 2);
    const text = rollgate(dir.path, ['scan']);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^new-checkout \(1\)\n {2}src\/app\.ts:2:1 {2}getBooleanValue {2}default false$/m);
    assert.match(text.stdout, /Unresolved keys \(1\):\n {2}src\/app\.ts:4:1 {2}getStringValue\(makeKey\(\)\)/);
  });

  it('stale explains flags, suggests the nearest key, and fails only with --fail-on-stale', () => {
    using dir = tempDir();
    repo(dir.path);
    assert.equal(rollgate(dir.path, ['init']).status, 0);
    assert.equal(rollgate(dir.path, ['create', 'new-checkout']).status, 0);
    assert.equal(rollgate(dir.path, ['create', 'unused-flag']).status, 0);
    const out = rollgateJson<StaleJson>(dir.path, ['stale']);
    assert.equal(out.now, NOW);
    assert.deepEqual(
      out.flags.map((f) => [f.key, f.reasons.map((r) => r.code)]),
      [
        ['new-chekout', ['UNKNOWN_KEY']],
        ['unused-flag', ['NOT_IN_CODE']],
      ],
    );
    assert.equal(out.flags[0]?.reasons[0]?.suggestion, 'new-checkout');
    assert.deepEqual(
      out.unresolved.map((u) => u.code),
      ['UNRESOLVED_KEY'],
    );
    const failing = rollgate(dir.path, ['stale', '--fail-on-stale']);
    assert.equal(failing.status, 1);
    assert.match(
      failing.stdout,
      /^new-chekout {2}\(src\/app\.ts:3:1\)\n {2}UNKNOWN_KEY: .*Did you mean "new-checkout"\?$/m,
    );
    assert.match(failing.stderr, /2 flag\(s\) reported/);
  });

  it('stale reports an invalid policy with file:line', () => {
    using dir = tempDir();
    repo(dir.path);
    assert.equal(rollgate(dir.path, ['init']).status, 0);
    writeFileSync(join(dir.path, '.rollgate/policy.yaml'), 'singleVariantDays: -3\n');
    const result = rollgate(dir.path, ['stale']);
    assert.equal(result.status, 4);
    assert.match(result.stderr, /policy\.yaml:1:20: singleVariantDays/);
    assert.match(result.stderr, /hint: /);
  });
});

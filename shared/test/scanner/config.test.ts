import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_STALE_POLICY,
  loadScannerConfig,
  loadStalePolicy,
  parseScannerConfig,
  parseStalePolicy,
} from '../../src/scanner/index.ts';

function assertParseError(fn: () => unknown, where: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code: string; message: string; details: { line?: number; hint?: string } };
    assert.equal(err.code, 'PARSE_ERROR');
    assert.match(err.message, where);
    assert.equal(typeof err.details.line, 'number');
    assert.ok(err.details.hint);
    return true;
  });
}

describe('scanner config (.rollgate/scanner.yaml)', () => {
  it('adds presets and wrappers after OpenFeature and resolves relative wrapper modules', () => {
    const config = parseScannerConfig(
      [
        'presets: [unleash]',
        'wrappers:',
        '  - function: flagOn',
        '    module: ./src/flags.ts',
        '    keyArgument: 1',
        '    defaultArgument: last',
        '    callKind: boolean',
        '  - function: flag',
        '    module: "@acme/flags"',
        'detectWrappers: false',
        'exclude: ["**/*.stories.tsx"]',
      ].join('\n'),
      '/repo/.rollgate/scanner.yaml',
      '/repo',
    );
    const byName = (n: string) => config.patterns.filter((p) => p.function === n);
    assert.equal(byName('getBooleanValue')[0]?.sdk, 'openfeature');
    assert.equal(byName('isEnabled')[0]?.sdk, 'unleash');
    assert.equal(byName('isOn').length, 0);
    assert.deepEqual(byName('flagOn'), [
      {
        sdk: 'custom',
        function: 'flagOn',
        module: '/repo/src/flags',
        keyArgument: 1,
        defaultArgument: 'last',
        callKind: 'boolean',
        valueType: 'boolean',
        returns: 'value',
      },
    ]);
    assert.equal(byName('flag')[0]?.module, '@acme/flags');
    assert.equal(byName('flag')[0]?.keyArgument, 0);
    assert.equal(config.detectWrappers, false);
    assert.deepEqual(config.exclude, ['**/*.stories.tsx']);
  });

  const invalid: { name: string; text: string; where: RegExp }[] = [
    { name: 'unknown preset', text: 'presets: [optimizely]', where: /scanner\.yaml:1:\d+: presets\.0/ },
    {
      name: 'wrapper without a function name',
      text: 'wrappers:\n  - keyArgument: 0',
      where: /scanner\.yaml:2:\d+: wrappers\.0\.function/,
    },
    {
      name: 'negative key argument',
      text: 'wrappers:\n  - function: f\n    keyArgument: -1',
      where: /scanner\.yaml:3:18: wrappers\.0\.keyArgument/,
    },
    {
      name: 'unknown key',
      text: 'detectWrappers: true\npreset: [unleash]',
      where: /scanner\.yaml:2:9: \(top level\): Unrecognized key/,
    },
    { name: 'YAML syntax', text: 'presets: [unleash', where: /scanner\.yaml:1:\d+:/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} with file:line`, () => {
      assertParseError(() => parseScannerConfig(c.text, '/repo/.rollgate/scanner.yaml', '/repo'), c.where);
    });
  }

  it('loads defaults when the files are missing and reads them when present', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rollgate-config-'));
    try {
      const defaults = await loadScannerConfig(root);
      assert.equal(
        defaults.patterns.some((p) => p.sdk !== 'openfeature'),
        false,
      );
      assert.equal(defaults.detectWrappers, true);
      assert.deepEqual(await loadStalePolicy(root), DEFAULT_STALE_POLICY);
      await mkdir(join(root, '.rollgate'));
      await writeFile(join(root, '.rollgate/scanner.yaml'), 'presets: [growthbook]\n');
      await writeFile(join(root, '.rollgate/policy.yaml'), 'singleVariantDays: 3\n');
      assert.ok((await loadScannerConfig(root)).patterns.some((p) => p.function === 'useFeatureIsOn'));
      assert.equal((await loadStalePolicy(root)).singleVariantDays, 3);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('stale policy (.rollgate/policy.yaml)', () => {
  it('defaults to the model lifetimes, 14 days of single variant, kill switches and permissions exempt', () => {
    assert.deepEqual(DEFAULT_STALE_POLICY, {
      lifetimeDays: { release: 40, experiment: 40, operational: 7, 'kill-switch': undefined, permission: undefined },
      singleVariantDays: 14,
      singleVariantExemptKinds: ['kill-switch', 'permission'],
    });
  });

  it('overrides lifetimes per kind (null = never), keeps the others', () => {
    const policy = parseStalePolicy(
      'lifetimeDays:\n  release: 90\n  operational: null\nsingleVariantDays: 30\nenvironments: [production]\n',
      'policy.yaml',
    );
    assert.deepEqual(policy.lifetimeDays, {
      release: 90,
      experiment: 40,
      operational: undefined,
      'kill-switch': undefined,
      permission: undefined,
    });
    assert.equal(policy.singleVariantDays, 30);
    assert.deepEqual(policy.environments, ['production']);
  });

  it('rejects an unknown kind and a non-integer threshold with file:line', () => {
    assertParseError(() => parseStalePolicy('lifetimeDays:\n  feature: 10\n', 'policy.yaml'), /policy\.yaml:\d+:\d+/);
    assertParseError(
      () => parseStalePolicy('singleVariantDays: 1.5\n', 'policy.yaml'),
      /policy\.yaml:1:20: singleVariantDays/,
    );
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPatterns,
  detectPresets,
  FlagScanner,
  type FlagReference,
  type ScanResult,
} from '../../src/scanner/index.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scanner/sdks');

/** file (relative to src/) → [kind, sdk, key] of its references, in source order. */
function byFile(result: ScanResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of result.references) {
    const file = r.file.slice(r.file.lastIndexOf('/src/') + 5);
    (out[file] ??= []).push(`${r.kind} ${r.sdk} ${r.key ?? `? ${r.keyExpression}`}`);
  }
  return out;
}

describe('SDK presets on a fixture that depends on every SDK', () => {
  let result: ScanResult;
  before(async () => {
    // Presets come from the fixture's package.json: the config names none.
    const scanner = await FlagScanner.create(FIXTURE, { patterns: createPatterns(), exclude: [] });
    result = scanner.scan();
    scanner.dispose();
  });

  const expected: Record<string, string[]> = {
    'openfeature.tsx': [
      'call openfeature yes-of-bool',
      'call openfeature yes-of-details',
      'call openfeature yes-of-hook',
      'call openfeature yes-of-bool-hook',
    ],
    'launchdarkly.tsx': [
      'call launchdarkly yes-ld-variation',
      'call launchdarkly yes-ld-bool',
      'destructure launchdarkly yesLdDestructured',
      'destructure launchdarkly yes-ld-quoted',
      'property launchdarkly yesLdProperty',
      'call launchdarkly yes-ld-client',
      'property custom yesLdConsumer',
    ],
    'unleash.tsx': [
      'call unleash yes-unleash-enabled',
      'call unleash yes-unleash-variant',
      'call unleash yes-unleash-hook',
      'call unleash yes-unleash-variant-hook',
    ],
    'growthbook.tsx': [
      'call growthbook yes-gb-on',
      'call growthbook yes-gb-value',
      'call growthbook yes-gb-hook',
      'jsx growthbook yes-gb-jsx',
    ],
    'statsig.tsx': [
      'call statsig yes-statsig-server-gate',
      'call statsig yes-statsig-server-experiment',
      'call statsig yes-statsig-client-gate',
      'call statsig yes-statsig-hook',
    ],
    'statsig-near-miss.tsx': ['call statsig ? gateName'],
    'configcat.tsx': ['call configcat yes-cc-async', 'call configcat yes-cc-hook'],
    'posthog.tsx': [
      'call posthog yes-ph-enabled',
      'call posthog yes-ph-flag',
      'call posthog yes-ph-node',
      'call posthog yes-ph-hook',
      'jsx posthog yes-ph-jsx',
    ],
    'flagsmith.tsx': [
      'call flagsmith yes-fs-has',
      'call flagsmith yes-fs-value',
      'call flagsmith yes-fs-node',
      'call flagsmith yes_fs_list',
      'property flagsmith yes_fs_list',
    ],
    'devcycle.tsx': ['call devcycle yes-dvc-server', 'call devcycle yes-dvc-client', 'call devcycle yes-dvc-hook'],
    'vwo.tsx': ['call vwo yes-vwo-flag'],
    'vwo-near-miss.tsx': ['call vwo yes-vwo-near-flag'],
  };

  for (const [file, refs] of Object.entries(expected)) {
    it(`${file}: every positive case, attributed to its SDK`, () => assert.deepEqual(byFile(result)[file], refs));
  }

  it('near misses (same names from the app or another SDK) give no reference', () => {
    const found = byFile(result);
    const unexpected = Object.keys(found).filter((f) => !(f in expected));
    assert.deepEqual(unexpected, []);
    assert.deepEqual(
      result.references.filter((r) => r.key?.startsWith('no-') || r.key?.startsWith('noLd')),
      [],
    );
  });
});

describe('detectPresets', () => {
  it('switches presets on by package name, subpath-free, scopes included', () => {
    assert.deepEqual(detectPresets(['react', '@growthbook/growthbook-react', 'unleash-client']), [
      'unleash',
      'growthbook',
    ]);
    assert.deepEqual(detectPresets(['@statsig/js-client', 'vwo-fme-react-sdk', 'posthog-node']), [
      'statsig',
      'posthog',
      'vwo',
    ]);
    assert.deepEqual(detectPresets(['unleash', 'growthbook', 'statsig-nodejs']), []);
  });

  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rollgate-presets-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('scans only the presets of the SDKs the package.json files depend on', async () => {
    await cp(join(FIXTURE, 'src'), join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'package.json'), JSON.stringify({ dependencies: { 'unleash-client': '^6' } }));
    const scanner = await FlagScanner.create(root, { patterns: createPatterns(), exclude: [] });
    const sdks = new Set(scanner.scan().references.map((r: FlagReference) => r.sdk));
    scanner.dispose();
    // OpenFeature is always on; property reads of `flags` maps are SDK-independent.
    assert.deepEqual([...sdks].sort(), ['custom', 'openfeature', 'unleash']);
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Project } from 'ts-morph';
import {
  createPatterns,
  findReferencesInSourceFile,
  loadTsMorph,
  type FlagReference,
  type ScanOptions,
} from '../../src/scanner/index.ts';

let createProject: () => Project;
before(async () => {
  const { Project } = await loadTsMorph();
  createProject = () => new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true, jsx: 4 } });
});

const openFeatureOnly: ScanOptions = { patterns: createPatterns() };
const allPresets: ScanOptions = { patterns: createPatterns(['launchdarkly', 'unleash', 'growthbook']) };

/** Scans `files` (path → source) and returns the references of the first file. */
function scan(files: Record<string, string>, options: ScanOptions = openFeatureOnly): FlagReference[] {
  const project = createProject();
  for (const [path, text] of Object.entries(files)) project.createSourceFile(path, text);
  const [first] = Object.keys(files);
  return findReferencesInSourceFile(project.getSourceFileOrThrow(first!), options);
}

describe('findReferencesInSourceFile: SDK patterns', () => {
  const cases: { name: string; code: string; options?: ScanOptions; expect: Partial<FlagReference> }[] = [
    {
      name: 'OpenFeature getBooleanValue',
      code: `client.getBooleanValue('new-checkout', false);`,
      expect: {
        key: 'new-checkout',
        method: 'getBooleanValue',
        callKind: 'boolean',
        sdk: 'openfeature',
        defaultValue: 'false',
        valueType: 'boolean',
        returns: 'value',
      },
    },
    {
      name: 'OpenFeature getStringValue',
      code: `client.getStringValue('theme', 'light');`,
      expect: { key: 'theme', callKind: 'string', defaultValue: "'light'" },
    },
    {
      name: 'OpenFeature getNumberValue',
      code: `await client.getNumberValue('max-items', 10, ctx);`,
      expect: { key: 'max-items', callKind: 'number', defaultValue: '10' },
    },
    {
      name: 'OpenFeature getObjectValue',
      code: `client.getObjectValue('layout', { a: 1 });`,
      expect: { key: 'layout', callKind: 'object', defaultValue: '{ a: 1 }' },
    },
    {
      name: 'OpenFeature getBooleanDetails',
      code: `client.getBooleanDetails('beta', true);`,
      expect: { key: 'beta', callKind: 'details', valueType: 'boolean', returns: 'details' },
    },
    {
      name: 'optional chaining call',
      code: `client?.getStringDetails('x', '');`,
      expect: { key: 'x', callKind: 'details', valueType: 'string' },
    },
    {
      name: 'React useFlag',
      code: `const { value } = useFlag('dark-mode', false);`,
      expect: { key: 'dark-mode', callKind: 'hook', returns: 'details', sdk: 'openfeature' },
    },
    {
      name: 'React useBooleanFlagValue',
      code: `const on = useBooleanFlagValue('dark-mode', false);`,
      expect: { key: 'dark-mode', callKind: 'hook', valueType: 'boolean', returns: 'value' },
    },
    {
      name: 'React useNumberFlagDetails',
      code: `useNumberFlagDetails('limit', 3);`,
      expect: { key: 'limit', callKind: 'hook', valueType: 'number', returns: 'details', defaultValue: '3' },
    },
    {
      name: 'LaunchDarkly server variation (default is last)',
      code: `await ld.variation('ld-flag', context, false);`,
      options: allPresets,
      expect: { key: 'ld-flag', sdk: 'launchdarkly', callKind: 'unknown', defaultValue: 'false' },
    },
    {
      name: 'LaunchDarkly boolVariation',
      code: `ld.boolVariation('ld-bool', ctx, true);`,
      options: allPresets,
      expect: { key: 'ld-bool', sdk: 'launchdarkly', callKind: 'boolean', defaultValue: 'true' },
    },
    {
      name: 'LaunchDarkly client variation',
      code: `ldClient.variation('ld-client', 'x');`,
      options: allPresets,
      expect: { key: 'ld-client', defaultValue: "'x'" },
    },
    {
      name: 'LaunchDarkly jsonVariationDetail',
      code: `ld.jsonVariationDetail('cfg', ctx, {});`,
      options: allPresets,
      expect: { key: 'cfg', callKind: 'details', valueType: 'object' },
    },
    {
      name: 'Unleash isEnabled',
      code: `unleash.isEnabled('u-flag', context);`,
      options: allPresets,
      expect: { key: 'u-flag', sdk: 'unleash', callKind: 'boolean' },
    },
    {
      name: 'Unleash getVariant',
      code: `unleash.getVariant('u-variant');`,
      options: allPresets,
      expect: { key: 'u-variant', sdk: 'unleash', callKind: 'object' },
    },
    {
      name: 'Unleash useFlag overrides OpenFeature useFlag when the preset is on',
      code: `useFlag('u-hook');`,
      options: allPresets,
      expect: { key: 'u-hook', sdk: 'unleash', callKind: 'hook', returns: 'value' },
    },
    {
      name: 'GrowthBook isOn',
      code: `gb.isOn('gb-on');`,
      options: allPresets,
      expect: { key: 'gb-on', sdk: 'growthbook', callKind: 'boolean' },
    },
    {
      name: 'GrowthBook getFeatureValue',
      code: `gb.getFeatureValue('gb-value', 'blue');`,
      options: allPresets,
      expect: { key: 'gb-value', sdk: 'growthbook', defaultValue: "'blue'" },
    },
    {
      name: 'GrowthBook useFeatureIsOn',
      code: `useFeatureIsOn('gb-hook');`,
      options: allPresets,
      expect: { key: 'gb-hook', sdk: 'growthbook', callKind: 'hook' },
    },
    {
      name: 'GrowthBook useFeatureValue',
      code: `useFeatureValue('gb-fv', 0);`,
      options: allPresets,
      expect: { key: 'gb-fv', sdk: 'growthbook', defaultValue: '0' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const refs = scan({ '/src/a.ts': c.code }, c.options);
      assert.equal(refs.length, 1, JSON.stringify(refs));
      assert.deepEqual(pick(refs[0]!, Object.keys(c.expect)), c.expect);
    });
  }

  it('does not match preset names unless the preset is on', () => {
    assert.deepEqual(scan({ '/src/a.ts': `unleash.isEnabled('x'); gb.isOn('y'); ld.variation('z', c, 1);` }), []);
  });

  it('ignores calls without a key argument and unrelated names', () => {
    assert.deepEqual(scan({ '/src/a.ts': `useFlag(); client.getValue('x'); getBooleanValueX('y');` }), []);
  });
});

function pick(ref: FlagReference, keys: string[]): Partial<FlagReference> {
  return Object.fromEntries(keys.map((k) => [k, ref[k as keyof FlagReference]]));
}

describe('findReferencesInSourceFile: key resolution', () => {
  const cases: { name: string; files: Record<string, string>; key: string }[] = [
    { name: 'string literal', files: { '/a.ts': `c.getBooleanValue("dq", false);` }, key: 'dq' },
    { name: 'template without holes', files: { '/a.ts': 'c.getBooleanValue(`tpl`, false);' }, key: 'tpl' },
    {
      name: 'template whose holes are constants',
      files: { '/a.ts': 'const area = "checkout"; c.getBooleanValue(`${area}-v2`, false);' },
      key: 'checkout-v2',
    },
    { name: 'const variable', files: { '/a.ts': `const K = 'k1'; c.getBooleanValue(K, false);` }, key: 'k1' },
    {
      name: 'const chain and as const',
      files: { '/a.ts': `const A = 'k2' as const; const B = A; c.getBooleanValue(B, false);` },
      key: 'k2',
    },
    {
      name: 'const in an enclosing function scope',
      files: { '/a.ts': `function f() { const K = 'inner'; return () => c.getBooleanValue(K, false); }` },
      key: 'inner',
    },
    {
      name: 'as const object map, property access',
      files: {
        '/a.ts': `const FLAGS = { checkout: 'new-checkout' } as const; c.getBooleanValue(FLAGS.checkout, false);`,
      },
      key: 'new-checkout',
    },
    {
      name: 'nested object map with element access',
      files: { '/a.ts': `const F = { a: { 'b-c': 'deep' } } as const; c.getBooleanValue(F.a['b-c'], false);` },
      key: 'deep',
    },
    {
      name: 'element access by a const index',
      files: { '/a.ts': `const F = { x: 'by-index' } as const; const i = 'x'; c.getBooleanValue(F[i], false);` },
      key: 'by-index',
    },
    {
      name: 'object map with satisfies and shorthand',
      files: {
        '/a.ts': `const beta = 'beta-key'; const F = { beta } satisfies Record<string, string>; c.getBooleanValue(F.beta, false);`,
      },
      key: 'beta-key',
    },
    {
      name: 'object spread',
      files: { '/a.ts': `const A = { x: 'spread' }; const B = { ...A, y: 'y' }; c.getBooleanValue(B.x, false);` },
      key: 'spread',
    },
    {
      name: 'string enum member',
      files: { '/a.ts': `enum Flag { Dark = 'dark-mode' } c.getBooleanValue(Flag.Dark, false);` },
      key: 'dark-mode',
    },
    {
      name: 'enum member by element access',
      files: { '/a.ts': `enum Flag { Dark = 'dark-el' } c.getBooleanValue(Flag['Dark'], false);` },
      key: 'dark-el',
    },
    {
      name: 'string concatenation of constants',
      files: { '/a.ts': `const P = 'pre'; c.getBooleanValue(P + '-fix', false);` },
      key: 'pre-fix',
    },
    {
      name: 'imported const',
      files: {
        '/src/a.ts': `import { K } from './keys'; c.getBooleanValue(K, false);`,
        '/src/keys.ts': `export const K = 'imp';`,
      },
      key: 'imp',
    },
    {
      name: 'imported const with .js specifier and alias',
      files: {
        '/src/a.ts': `import { K as Key } from './keys.js'; c.getBooleanValue(Key, false);`,
        '/src/keys.ts': `export const K = 'imp-js';`,
      },
      key: 'imp-js',
    },
    {
      name: 'imported const with a .ts specifier',
      files: {
        '/src/a.ts': `import { K } from './keys.ts'; c.getBooleanValue(K, false);`,
        '/src/keys.ts': `export const K = 'imp-ts';`,
      },
      key: 'imp-ts',
    },
    {
      name: 'imported object map through an index file',
      files: {
        '/src/a.ts': `import { FLAGS } from './flags'; c.getBooleanValue(FLAGS.x, false);`,
        '/src/flags/index.ts': `export const FLAGS = { x: 'from-index' } as const;`,
      },
      key: 'from-index',
    },
    {
      name: 'imported enum',
      files: {
        '/src/a.ts': `import { Flags } from './flags'; c.getBooleanValue(Flags.A, false);`,
        '/src/flags.ts': `export enum Flags { A = 'enum-imp' }`,
      },
      key: 'enum-imp',
    },
    {
      name: 'namespace import',
      files: {
        '/src/a.ts': `import * as keys from './keys'; c.getBooleanValue(keys.K, false);`,
        '/src/keys.ts': `export const K = 'ns';`,
      },
      key: 'ns',
    },
    {
      name: 're-exported constant (export { } from)',
      files: {
        '/src/a.ts': `import { K } from './barrel'; c.getBooleanValue(K, false);`,
        '/src/barrel.ts': `export { K } from './keys';`,
        '/src/keys.ts': `export const K = 're-exp';`,
      },
      key: 're-exp',
    },
    {
      name: 're-exported constant (export *)',
      files: {
        '/src/a.ts': `import { K } from './barrel'; c.getBooleanValue(K, false);`,
        '/src/barrel.ts': `export * from './other'; export * from './keys';`,
        '/src/other.ts': `export const X = 'x';`,
        '/src/keys.ts': `export const K = 'star';`,
      },
      key: 'star',
    },
    {
      name: 'local export list',
      files: {
        '/src/a.ts': `import { Key } from './keys'; c.getBooleanValue(Key, false);`,
        '/src/keys.ts': `const K = 'listed'; export { K as Key };`,
      },
      key: 'listed',
    },
    {
      name: 'JavaScript file',
      files: { '/src/a.js': `const K = 'js-key'; client.getBooleanValue(K, false);` },
      key: 'js-key',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const refs = scan(c.files);
      assert.equal(refs.length, 1);
      assert.equal(refs[0]!.key, c.key, refs[0]!.unresolvedReason);
      assert.equal(refs[0]!.unresolvedReason, undefined);
    });
  }

  it('follows a tsconfig paths alias and a package with TypeScript module resolution, without the checker', async () => {
    const { Project } = await loadTsMorph();
    const project = new Project({
      useInMemoryFileSystem: true,
      compilerOptions: { baseUrl: '/', paths: { '@flags/*': ['src/flags/*'] } },
    });
    project.createSourceFile('/src/flags/keys.ts', `export const K = 'via-alias';`);
    project.createSourceFile('/node_modules/@acme/keys/index.d.ts', `export declare const P = 'from-package';`);
    project.createSourceFile(
      '/node_modules/@acme/keys/package.json',
      `{ "name": "@acme/keys", "types": "index.d.ts" }`,
    );
    const file = project.createSourceFile(
      '/src/a.ts',
      `import { K } from '@flags/keys';\nimport { P } from '@acme/keys';\nc.getBooleanValue(K, false);\nc.getBooleanValue(P, false);`,
    );
    const refs = findReferencesInSourceFile(file, { ...openFeatureOnly, useTypeChecker: false });
    assert.deepEqual(
      refs.map((r) => r.key),
      ['via-alias', 'from-package'],
    );
  });

  it('asks the type checker only when syntax cannot resolve the key (a global declared elsewhere)', async () => {
    const { Project } = await loadTsMorph();
    const project = new Project({ useInMemoryFileSystem: true });
    project.createSourceFile('/src/globals.d.ts', `declare const GLOBAL_KEY: 'from-global';`);
    const file = project.createSourceFile('/src/a.ts', `c.getBooleanValue(GLOBAL_KEY, false);`);
    assert.equal(findReferencesInSourceFile(file, openFeatureOnly)[0]?.key, 'from-global');
    const withoutChecker = findReferencesInSourceFile(file, { ...openFeatureOnly, useTypeChecker: false });
    assert.equal(withoutChecker[0]?.key, undefined);
    assert.match(withoutChecker[0]?.unresolvedReason ?? '', /"GLOBAL_KEY" is not declared in this file/);
  });

  it('resolves a default-exported constant', () => {
    const refs = scan({
      '/src/a.ts': `import K from './key';\nc.getBooleanValue(K, false);`,
      '/src/key.ts': `export default 'default-key';`,
    });
    assert.equal(refs[0]?.key, 'default-key');
  });
});

describe('findReferencesInSourceFile: unresolved keys are reported, not dropped', () => {
  const cases: { name: string; code: string; reason: RegExp }[] = [
    { name: 'let variable', code: `let k = 'x'; c.getBooleanValue(k, false);`, reason: /let\/var/ },
    { name: 'call', code: `c.getBooleanValue(makeKey(), false);`, reason: /computed by a call \(makeKey\)/ },
    { name: 'template with a dynamic hole', code: 'c.getBooleanValue(`a-${user.id}`, false);', reason: /dynamic part/ },
    {
      name: 'undeclared identifier',
      code: `c.getBooleanValue(GLOBAL_KEY, false);`,
      reason: /not declared in this file/,
    },
    {
      name: 'missing property',
      code: `const F = { a: 'a' } as const; c.getBooleanValue((F as any).b, false);`,
      reason: /no property "b"/,
    },
    { name: 'numeric enum member', code: `enum E { A } c.getBooleanValue(E.A, false);`, reason: /not a string/ },
    {
      name: 'parameter of an anonymous callback',
      code: `list.map((k) => c.getBooleanValue(k, false));`,
      reason: /parameter "k" of an anonymous function/,
    },
    {
      name: 'dynamic element access',
      code: `const F = { a: 'a' }; c.getBooleanValue(F[name], false);`,
      reason: /"name" is not declared/,
    },
    { name: 'destructured', code: `const { k } = cfg; c.getBooleanValue(k, false);`, reason: /destructuring/ },
    { name: 'missing import', code: `import { K } from './nope'; c.getBooleanValue(K, false);`, reason: /not found/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const refs = scan({ '/src/a.ts': c.code });
      assert.equal(refs.length, 1);
      assert.equal(refs[0]!.key, undefined);
      assert.match(refs[0]!.unresolvedReason ?? '', c.reason);
    });
  }
});

describe('findReferencesInSourceFile: location and context', () => {
  it('reports file, 0-based range and offsets of the whole call, the key offsets, and the enclosing symbol', () => {
    const code = `class Checkout {\n  render() {\n    return client.getBooleanValue('k', false);\n  }\n}\n`;
    const [ref] = scan({ '/src/checkout.ts': code });
    assert.ok(ref);
    assert.equal(ref.file, '/src/checkout.ts');
    assert.equal(code.slice(ref.start, ref.end), `client.getBooleanValue('k', false)`);
    assert.equal(code.slice(ref.keyStart, ref.keyEnd), `'k'`);
    assert.deepEqual(ref.range, { start: { line: 2, character: 11 }, end: { line: 2, character: 45 } });
    assert.equal(ref.enclosingSymbol, 'Checkout.render');
  });

  it('names the enclosing function or variable, and none at top level', () => {
    const refs = scan({
      '/src/a.ts': `export const useCheckout = () => useFlag('a', false);\nfunction handler() { c.getBooleanValue('b', false); }\nc.getBooleanValue('c', false);`,
    });
    assert.deepEqual(
      refs.map((r) => [r.key, r.enclosingSymbol]),
      [
        ['a', 'useCheckout'],
        ['b', 'handler'],
        ['c', undefined],
      ],
    );
  });

  it('finds hooks in .tsx components', () => {
    const refs = scan({
      '/src/Banner.tsx': `export function Banner() {\n  const on = useBooleanFlagValue('banner', false);\n  return on ? <div>{String(useFlag('inner', 1).value)}</div> : null;\n}`,
    });
    assert.deepEqual(
      refs.map((r) => [r.key, r.method, r.enclosingSymbol]),
      [
        ['banner', 'useBooleanFlagValue', 'Banner'],
        ['inner', 'useFlag', 'Banner'],
      ],
    );
  });
});

describe('findReferencesInSourceFile: wrappers', () => {
  it('auto-detects a function that forwards its parameter as the key, and reports its calls instead', () => {
    const refs = scan({
      '/src/flags.ts': [
        `export function isOn(key: string, fallback = false) { return client.getBooleanValue(key, fallback); }`,
        `export const variant = (name: string) => client.getStringValue(name, 'control');`,
        `isOn('wrapped-a', true);`,
        `variant('wrapped-b');`,
      ].join('\n'),
    });
    assert.deepEqual(
      refs.map((r) => [r.key, r.method, r.sdk, r.callKind, r.defaultValue]),
      [
        ['wrapped-a', 'isOn', 'custom', 'boolean', 'true'],
        ['wrapped-b', 'variant', 'custom', 'string', undefined],
      ],
    );
  });

  it('does not auto-detect wrappers when detectWrappers is false: the forwarding call is unresolved', () => {
    const refs = scan(
      { '/src/flags.ts': `function isOn(key: string) { return c.getBooleanValue(key, false); }\nisOn('x');` },
      { ...openFeatureOnly, detectWrappers: false },
    );
    assert.deepEqual(
      refs.map((r) => [r.key, r.unresolvedReason]),
      [[undefined, 'the key is the parameter "key" of isOn']],
    );
  });

  it('matches a configured wrapper restricted to a module only when imported from it', () => {
    const options: ScanOptions = {
      patterns: createPatterns(
        [],
        [
          {
            sdk: 'custom',
            function: 'flagOn',
            module: '/src/lib/flags',
            keyArgument: 1,
            defaultArgument: 2,
            callKind: 'boolean',
            returns: 'value',
          },
        ],
      ),
    };
    const refs = scan(
      {
        '/src/app.ts': `import { flagOn } from './lib/flags';\nimport * as f from './lib/flags';\nflagOn(ctx, 'cfg-a', true);\nf.flagOn(ctx, 'cfg-b', false);`,
        '/src/other.ts': `import { flagOn } from './elsewhere';\nflagOn(ctx, 'not-ours');`,
      },
      options,
    );
    assert.deepEqual(
      refs.map((r) => [r.key, r.defaultValue]),
      [
        ['cfg-a', 'true'],
        ['cfg-b', 'false'],
      ],
    );
    const project = createProject();
    const other = project.createSourceFile(
      '/src/other.ts',
      `import { flagOn } from './elsewhere';\nflagOn(ctx, 'no');`,
    );
    assert.deepEqual(findReferencesInSourceFile(other, options), []);
  });

  it('matches a configured wrapper from a package', () => {
    const options: ScanOptions = {
      patterns: createPatterns(
        [],
        [
          {
            sdk: 'custom',
            function: 'flag',
            module: '@acme/flags',
            keyArgument: 0,
            callKind: 'unknown',
            returns: 'value',
          },
        ],
      ),
    };
    const refs = scan({ '/src/a.ts': `import { flag } from '@acme/flags';\nflag('pkg');` }, options);
    assert.deepEqual(
      refs.map((r) => r.key),
      ['pkg'],
    );
  });
});

// The quick pass (lexical, no TypeScript compiler) against the scanner on the same source: it must put its lenses
// on the lines where the scanner finds calls with literal keys, and find nothing that is not a call with a store key.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Project } from 'ts-morph';
import { findQuickCallReferences } from '../../src/scanner/quick-pass.ts';
import { createPatterns, findReferencesInSourceFile, loadTsMorph } from '../../src/scanner/index.ts';

const KEYS = ['new-checkout', 'theme', 'max.items', 'enableBeta'];

const source = `import { useBooleanFlagValue, useStringFlagValue, OpenFeature } from '@openfeature/react-sdk';
const client = OpenFeature.getClient();

export function Checkout() {
  const on = useBooleanFlagValue('new-checkout', false);
  const theme = useStringFlagValue<'dark' | 'light'>("theme", 'light');
  return on ? theme : null;
}

export async function handler() {
  const n = await client.getNumberValue(
    'max.items',
    10,
  );
  const details = await client.getBooleanDetails(\`enableBeta\`, false);
  return [n, details];
}
`;

describe('quick pass', () => {
  let createProject: () => Project;
  before(async () => {
    const { Project } = await loadTsMorph();
    createProject = () => new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true, jsx: 4 } });
  });

  it('finds the calls the scanner finds, on the same lines, with the same keys', () => {
    const quick = findQuickCallReferences('/src/checkout.tsx', source, KEYS);
    const scanned = findReferencesInSourceFile(createProject().createSourceFile('/src/checkout.tsx', source), {
      patterns: createPatterns(),
    });
    const lines = (refs: readonly { key: string | undefined; range: { start: { line: number } } }[]) =>
      refs.map((r) => `${r.range.start.line}:${r.key}`).sort();
    assert.equal(scanned.length, 4, 'the fixture holds four evaluations');
    assert.deepEqual(lines(quick), lines(scanned));
    const multiLine = quick.find((r) => r.key === 'max.items');
    assert.equal(multiLine?.method, 'getNumberValue');
    assert.equal(source.slice(multiLine.keyStart, multiLine.keyEnd), "'max.items'");
  });

  it('ignores keys that are not a first string argument, unknown keys and look-alikes', () => {
    const text = [
      "const label = 'new-checkout';",
      "log.info('checking', 'new-checkout');",
      "useBooleanFlagValue('new-checkout-v2', false);",
      'useBooleanFlagValue(`theme-${x}`, false);',
      "useBooleanFlagValue('Theme', false);",
      "const o = { 'theme': 1 };",
    ].join('\n');
    assert.deepEqual(findQuickCallReferences('/a.ts', text, KEYS), []);
    assert.deepEqual(findQuickCallReferences('/a.ts', source, []), []);
  });
});

// The cleanup end to end on a small realistic app (React components and hooks, a Node service with a wrapper):
// scan, plan and apply one flag after another, like a team retiring flags. The app type-checks with the real
// React and OpenFeature types before and after, and the result is the golden `expected/` tree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  applyCleanup,
  createPatterns,
  FlagScanner,
  loadTsMorph,
  planWorkspaceCleanup,
} from '../../src/scanner/index.ts';
import { storeDocumentSchema, type VariantValue } from '../../src/flags/model.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/cleanup-app');
const NODE_MODULES = join(import.meta.dirname, '../../../node_modules');

/** Flag, kept variant, its value: in the order a team would retire them. */
const RETIRED: readonly [string, string, VariantValue][] = [
  ['persistent-cart', 'on', true],
  ['card-redesign', 'on', true],
  ['card-layout', 'grid', 'grid'],
  ['express-checkout', 'on', true],
  ['fraud-check-v2', 'on', true],
  ['shipping-carrier', 'express', 'express'],
];

const document = storeDocumentSchema.parse({
  version: 1,
  environments: [{ key: 'production' }],
  flags: RETIRED.map(([key, variant, value]) => ({
    key,
    name: key,
    kind: 'release',
    createdAt: '2026-01-01T00:00:00Z',
    type: typeof value,
    variants: { [variant]: value, other: typeof value === 'boolean' ? !value : 'other' },
  })),
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

describe('cleanup of a realistic app, flag after flag', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'rollgate-cleanup-app-'));
    cpSync(join(FIXTURE, 'input'), root, { recursive: true });
    symlinkSync(NODE_MODULES, join(root, 'node_modules'), 'dir');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const typeErrors = async (): Promise<string[]> => {
    const { Project } = await loadTsMorph();
    const project = new Project({ tsConfigFilePath: join(root, 'tsconfig.json') });
    return project.getPreEmitDiagnostics().map((d) => `${d.getSourceFile()?.getFilePath() ?? ''}: ${d.getCode()}`);
  };

  it('removes every flag, each step fully type-checked, and the app compiles to the expected tree', async () => {
    assert.deepEqual(await typeErrors(), []);
    for (const [flagKey, keepVariant] of RETIRED) {
      const scanner = await FlagScanner.create(root, { patterns: createPatterns(), exclude: [] });
      const { references } = scanner.scan();
      scanner.dispose();
      const plan = await planWorkspaceCleanup({ root, document, flagKey, keepVariant, references });
      assert.deepEqual([plan.manual, plan.notes], [[], []], flagKey);
      const result = await applyCleanup(plan);
      assert.deepEqual([result.ok, result.check.unresolvedImports], [true, 0], flagKey);
    }
    assert.deepEqual(await typeErrors(), []);
    const expected = join(FIXTURE, 'expected');
    assert.deepEqual(filesUnder(join(root, 'src')), filesUnder(join(expected, 'src')));
    for (const file of filesUnder(join(expected, 'src'))) {
      const after = readFileSync(join(root, 'src', file), 'utf8');
      assert.equal(after, readFileSync(join(expected, 'src', file), 'utf8'), file);
      // None of the residues cleanup used to leave behind.
      assert.doesNotMatch(after, /&& true\b|\btrue &&|\|\| false\b|\[true\]|=\{(true|undefined)\}|\.\.\.\(?[[{]/, file);
      for (const [flagKey] of RETIRED) assert.ok(!after.includes(`'${flagKey}'`), `${file} still mentions ${flagKey}`);
    }
  });
});

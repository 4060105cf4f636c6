// The strict store schema: an unknown field anywhere in flags.yaml is a PARSE_ERROR with its place and a
// did-you-mean, the file is never rewritten without it, and `x-…` extension fields are kept through rewrites.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlagError } from '../../src/errors.ts';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import { applyOperation, createFlag, setFlagEnabled } from '../../src/flags/operations.ts';
import { initStore } from '../../src/store/file-store.ts';
import type { FileStore } from '../../src/store/file-store.ts';
import { parseStoreDocument } from '../../src/store/store-yaml.ts';
import { assertFlagError, context, makeTempDir, removeTempDir } from './helpers.ts';
import { fullDocument, fullStoreFile } from './full-document.ts';

const ctx = context();

/** A valid document that uses every object of the model (line numbers below refer to it). */
const VALID = [
  'version: 1', // 1
  'environments:',
  '  - key: staging',
  '  - key: production',
  '    protected: true', // 5
  '    approval:',
  '      required: 1',
  'flags:',
  '  - key: checkout',
  '    name: Checkout', // 10
  '    kind: release',
  '    createdAt: 2026-11-01T00:00:00Z',
  '    type: boolean',
  '    variants:',
  '      on: true', // 15
  '      off: false',
  '      x-legacy: true',
  '    metadata:',
  '      x-team: payments',
  '    environments:', // 20
  '      production:',
  '        enabled: true',
  '        defaultVariant: off',
  '        rules:',
  '          - id: beta', // 25
  '            conditions:',
  '              - attribute: plan',
  '                operator: equals',
  '                value: pro',
  '            serve:', // 30
  '              variant: on',
  '        rollout:',
  '          variant: on',
  '          percentage: 5',
  '        plan:', // 35
  '          variant: on',
  '          guardrails:',
  '            - name: errors',
  '              metric: error-rate',
  '              max: 0.01', // 40
  '          state:',
  '            status: running',
  '            stepIndex: 0',
  'changeRequests:',
  '  - id: cr-1', // 45
  '    status: pending',
  '    createdAt: 2026-11-01T00:00:00Z',
  '    createdBy: alice',
  '    reason: launch',
  '    flagKey: checkout', // 50
  '    environments: [production]',
  '    change: { enabled: true }',
  '    before: {}',
  '    after: {}',
  '    approvals:', // 55
  '      - by: bob',
  '        at: 2026-11-01T00:00:00Z',
  '',
].join('\n');

/** VALID with line `line` (1-based) replaced by `text`. */
function withLine(line: number, text: string): string {
  const lines = VALID.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

/** VALID with `text` inserted before line `line` (1-based). */
function inserted(line: number, text: string): string {
  const lines = VALID.split('\n');
  lines.splice(line - 1, 0, text);
  return lines.join('\n');
}

describe('strict store schema: unknown fields', () => {
  it('accepts the valid document; free-form maps (variants, metadata, JSON values) take any key', () => {
    const document = parseStoreDocument(VALID, 'flags.yaml');
    assert.deepEqual(Object.keys(document.flags[0]?.variants ?? {}), ['on', 'off', 'x-legacy']);
    assert.deepEqual(document.flags[0]?.metadata, { 'x-team': 'payments' });
    assert.deepEqual(document.changeRequests?.[0]?.change, { enabled: true });
  });

  const cases: { where: string; text: string; line: number; column: number; path: string; suggestion?: string }[] = [
    {
      where: 'environment config (misspelled enabled)',
      text: withLine(22, '        enabeld: true'),
      line: 22,
      column: 9,
      path: 'flags[0].environments.production.enabeld',
      suggestion: 'enabled',
    },
    { where: 'top level', text: VALID + 'flgs: []\n', line: 58, column: 1, path: 'flgs', suggestion: 'flags' },
    {
      where: 'environment',
      text: withLine(5, '    protectd: true'),
      line: 5,
      column: 5,
      path: 'environments[1].protectd',
      suggestion: 'protected',
    },
    {
      where: 'approval policy',
      text: withLine(7, '      requried: 1'),
      line: 7,
      column: 7,
      path: 'environments[1].approval.requried',
      suggestion: 'required',
    },
    {
      where: 'flag',
      text: withLine(11, '    knd: release'),
      line: 11,
      column: 5,
      path: 'flags[0].knd',
      suggestion: 'kind',
    },
    {
      where: 'rule',
      text: withLine(25, '          - ids: beta'),
      line: 25,
      column: 13,
      path: 'flags[0].environments.production.rules[0].ids',
      suggestion: 'id',
    },
    {
      where: 'condition',
      text: withLine(28, '                operater: equals'),
      line: 28,
      column: 17,
      path: 'flags[0].environments.production.rules[0].conditions[0].operater',
      suggestion: 'operator',
    },
    {
      where: 'serve (a union of two shapes)',
      text: withLine(31, '              varient: on'),
      line: 31,
      column: 15,
      path: 'flags[0].environments.production.rules[0].serve.varient',
      suggestion: 'variant',
    },
    {
      where: 'rollout',
      text: withLine(34, '          percentge: 5'),
      line: 34,
      column: 11,
      path: 'flags[0].environments.production.rollout.percentge',
      suggestion: 'percentage',
    },
    {
      where: 'rollout plan',
      text: inserted(37, '          minStepDurationMinute: 5'),
      line: 37,
      column: 11,
      path: 'flags[0].environments.production.plan.minStepDurationMinute',
      suggestion: 'minStepDurationMinutes',
    },
    {
      where: 'guardrail',
      text: withLine(40, '              maxx: 0.01'),
      line: 40,
      column: 15,
      path: 'flags[0].environments.production.plan.guardrails[0].maxx',
      suggestion: 'max',
    },
    {
      where: 'plan state',
      text: withLine(43, '            step: 0'),
      line: 43,
      column: 13,
      path: 'flags[0].environments.production.plan.state.step',
    },
    {
      where: 'change request',
      text: withLine(49, '    reasn: launch'),
      line: 49,
      column: 5,
      path: 'changeRequests[0].reasn',
      suggestion: 'reason',
    },
    {
      where: 'a field named like an Object.prototype member',
      text: withLine(11, '    constructor: release'),
      line: 11,
      column: 5,
      path: 'flags[0].constructor',
    },
    {
      where: 'change request approval',
      text: withLine(57, '        when: 2026-11-01T00:00:00Z'),
      line: 57,
      column: 9,
      path: 'changeRequests[0].approvals[0].when',
    },
  ];

  for (const c of cases) {
    it(`${c.where}: "${c.path}" → PARSE_ERROR at ${c.line}:${c.column}${c.suggestion ? `, did you mean "${c.suggestion}"` : ''}`, () => {
      assert.throws(
        () => parseStoreDocument(c.text, 'flags.yaml'),
        assertFlagError('PARSE_ERROR', (e) => {
          assert.equal(e.details.line, c.line);
          assert.equal(e.details.column, c.column);
          assert.equal(e.details.path, c.path);
          assert.equal(e.details.suggestion, c.suggestion);
          assert.ok(e.message.startsWith(`flags.yaml:${c.line}:${c.column}: ${c.path}: unknown field`), e.message);
          if (c.suggestion) assert.match(e.message, new RegExp(`Did you mean "${c.suggestion}"\\?`));
          else assert.doesNotMatch(e.message, /Did you mean/);
        }),
      );
    });
  }

  it('accepts x- extension fields on objects with fixed fields, and leaves them out of the model', () => {
    const text = inserted(23, '        x-ticket: JIRA-12').replace('version: 1\n', 'version: 1\nx-owner: platform\n');
    const document = parseStoreDocument(text, 'flags.yaml');
    assert.equal(document.flags[0]?.environments.production?.enabled, true);
    assert.equal('x-ticket' in (document.flags[0]?.environments.production ?? {}), false);
    assert.equal('x-owner' in document, false);
  });

  it('accepts an x- field on every object with fixed fields, a plan step of the union with numbers included', () => {
    assert.deepEqual(parseStoreDocument(fullStoreFile(), 'flags.yaml'), storeDocumentSchema.parse(fullDocument()));
  });
});

describe('extension fields kept apart (readExtensions, update with extensions)', () => {
  it('reads the x- fields of flags.yaml as a skeleton, and writes them onto the objects of another store', async () => {
    const source = await makeTempDir();
    const target = await makeTempDir();
    const from = await initStore(source);
    const to = await initStore(target);
    try {
      await writeFile(join(source, '.rollgate', 'flags.yaml'), fullStoreFile());
      const extensions = await from.readExtensions();
      const fields: string[] = JSON.stringify(extensions).match(/"x-at":"[^"]*"/g) ?? [];
      assert.equal(fields.length, fullStoreFile().match(/\bx-at: /g)?.length);
      assert.ok(fields.includes('"x-at":"flags[1].environments.production.plan.steps[2]"'));
      assert.deepEqual(extensions?.['x-owner'], { team: 'platform', since: [2026, 'q4'] });
      assert.equal(await to.readExtensions(), undefined);

      const { document } = await from.read();
      await to.update(
        () => ({ document, audit: [{ at: ctx.now().toISOString(), actor: 'test', action: 'copy', changes: [] }] }),
        {
          extensions,
        },
      );
      assert.deepEqual(await to.readExtensions(), extensions);
      assert.deepEqual((await to.read()).document, document);
      // Kept through the next commit like any extension field of the file.
      await applyOperation(to, setFlagEnabled('new-checkout', 'production', false), context('test:alice', 'stop'));
      assert.deepEqual(await to.readExtensions(), extensions);
    } finally {
      from.dispose();
      to.dispose();
      await removeTempDir(source);
      await removeTempDir(target);
    }
  });
});

describe('strict store schema in the file store', () => {
  let root: string;
  let store: FileStore;
  let flagsFile: string;
  before(async () => {
    root = await makeTempDir();
    store = await initStore(root);
    flagsFile = join(root, '.rollgate', 'flags.yaml');
    await applyOperation(store, createFlag({ key: 'checkout', name: 'Checkout', kind: 'release' }), ctx);
  });
  after(async () => {
    store.dispose();
    await removeTempDir(root);
  });

  it('a misspelled field (enabeld) fails read, commit and operations, and the next write never drops the line', async () => {
    const base = await store.read();
    const valid = await readFile(flagsFile, 'utf8');
    const misspelled = valid.replace(/( +)enabled: false\n/, '$1enabeld: true\n');
    assert.notEqual(misspelled, valid);
    await writeFile(flagsFile, misspelled);
    const line = misspelled.split('\n').findIndex((l) => l.includes('enabeld')) + 1;
    const check = (e: FlagError): void => {
      assert.equal(e.details.file, flagsFile);
      assert.equal(e.details.line, line);
      assert.equal(e.details.suggestion, 'enabled');
      assert.match(e.message, /unknown field "enabeld"\. Did you mean "enabled"\?/);
    };
    await assert.rejects(store.read(), assertFlagError('PARSE_ERROR', check));
    await assert.rejects(
      store.commit({
        base,
        document: base.document,
        audit: [{ at: ctx.now().toISOString(), actor: 't', action: 'x', changes: [] }],
      }),
      assertFlagError('PARSE_ERROR', check),
    );
    await assert.rejects(
      applyOperation(store, setFlagEnabled('checkout', 'development', true), ctx),
      assertFlagError('PARSE_ERROR', check),
    );
    await assert.rejects(store.writeCompiledOutputs(), assertFlagError('PARSE_ERROR', check));
    assert.equal(await readFile(flagsFile, 'utf8'), misspelled);
    await writeFile(flagsFile, valid);
  });

  it('keeps x- extension fields (and their comments) through a commit; free-form maps get no resurrected keys', async () => {
    const valid = await readFile(flagsFile, 'utf8');
    const extended = valid
      .replace('version: 1\n', 'version: 1\nx-owner: platform # who to ask\n')
      .replace('  - key: checkout\n', '  - key: checkout\n    x-ticket: JIRA-12\n');
    await writeFile(flagsFile, extended);
    await applyOperation(store, setFlagEnabled('checkout', 'development', true), ctx);
    const text = await readFile(flagsFile, 'utf8');
    assert.match(text, /\nx-owner: platform # who to ask\n/);
    assert.match(text, /\n {4}x-ticket: JIRA-12\n/);
    assert.equal(text.match(/x-ticket/g)?.length, 1);
    const { document } = await store.read();
    assert.equal(document.flags[0]?.environments.development?.enabled, true);
    // Removing an extension by hand removes it for good.
    await writeFile(flagsFile, text.replace(/\n {4}x-ticket: JIRA-12/, ''));
    await applyOperation(store, setFlagEnabled('checkout', 'development', false), ctx);
    assert.doesNotMatch(await readFile(flagsFile, 'utf8'), /x-ticket/);
  });
});

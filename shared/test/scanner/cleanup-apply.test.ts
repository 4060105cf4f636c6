import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPatterns,
  findReferencesInSourceFile,
  FlagScanner,
  loadTsMorph,
  planWorkspaceCleanup,
} from '../../src/scanner/index.ts';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import { applyCleanup, describeTypeCheck, planCleanup, type CleanupKeep } from '../../src/scanner/cleanup.ts';
import { FlagError } from '../../src/errors.ts';

const CLIENT = `interface Client {
  getBooleanValue(key: string, defaultValue: boolean): boolean;
  getStringValue(key: string, defaultValue: string): string;
}
declare const client: Client;
`;

/** A throwaway project on disk: tsconfig + src/app.ts; returns what planCleanup needs. */
async function projectWith(source: string, flagKey: string, keep: CleanupKeep) {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-cleanup-'));
  await mkdir(join(dir, 'src'));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'es2022', noEmit: true, types: [] } }),
  );
  const file = join(dir, 'src/app.ts');
  await writeFile(file, CLIENT + source);
  const { Project } = await loadTsMorph();
  const project = new Project({ tsConfigFilePath: join(dir, 'tsconfig.json') });
  const sf = project.getSourceFileOrThrow(file);
  const references = findReferencesInSourceFile(sf, { patterns: createPatterns(), useTypeChecker: false });
  const plan = await planCleanup({ project, flagKey, keep, references, root: dir });
  return { dir, file, plan };
}

describe('applyCleanup', () => {
  it('reports a type error the cleanup introduced, and not the errors that were there before', async () => {
    const { dir, file, plan } = await projectWith(
      `const broken: number = 'pre-existing';
export const theme = client.getStringValue('theme', 'light');
export function isLight(): boolean {
  return theme === 'light';
}
`,
      'theme',
      { variant: 'dark', value: 'dark' },
    );
    try {
      const result = await applyCleanup(plan);
      assert.equal(result.ok, false);
      assert.deepEqual(result.written, [file]);
      assert.deepEqual(
        result.newDiagnostics.map((d) => [d.code, d.line]),
        [[2367, 9]],
      );
      assert.match(result.newDiagnostics[0]!.message, /no overlap/);
      assert.equal(await readFile(file, 'utf8'), plan.files[0]!.after);
      assert.match(plan.files[0]!.after, /export const theme = 'dark';/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the planned text and succeeds when the edited files still type-check', async () => {
    const { dir, file, plan } = await projectWith(
      `export function label(): string {
  if (client.getBooleanValue('new-label', false)) {
    return 'new';
  }
  return 'old';
}
`,
      'new-label',
      { variant: 'on', value: true },
    );
    try {
      assert.match(plan.files[0]!.diff, /^--- a\/src\/app\.ts/m);
      assert.match(plan.files[0]!.diff, /^- {2}if \(client\.getBooleanValue\('new-label', false\)\) \{$/m);
      assert.match(plan.files[0]!.diff, /^- {2}return 'old';$/m);
      const result = await applyCleanup(plan);
      assert.deepEqual(result, {
        written: [file],
        newDiagnostics: [],
        ok: true,
        check: { files: 1, unresolvedImports: 0 },
      });
      assert.equal(describeTypeCheck(result), 'type check: 0 new type errors in 1 edited file.');
      assert.equal(await readFile(file, 'utf8'), `${CLIENT}export function label(): string {\n  return 'new';\n}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says the check is partial when imports of the edited files are unresolved, instead of claiming success', async () => {
    const { dir, plan } = await projectWith(
      `import { format } from 'date-fns-not-installed';
import { Money } from './money-not-written';
export function price(amount: Money): string {
  return client.getBooleanValue('new-price', false) ? format(amount) : String(amount);
}
`,
      'new-price',
      { variant: 'on', value: true },
    );
    try {
      const result = await applyCleanup(plan);
      assert.equal(result.ok, true);
      assert.deepEqual(result.check, { files: 1, unresolvedImports: 2 });
      assert.equal(
        describeTypeCheck(result),
        'type check partial: 0 new type errors in 1 edited file, but 2 imports are unresolved (no node_modules? ' +
          'run your package install), so code typed through them was not checked.',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write over a file that changed since planning', async () => {
    const { dir, file, plan } = await projectWith(
      `export const on = client.getBooleanValue('x', false) ? 1 : 2;\n`,
      'x',
      { variant: 'on', value: true },
    );
    try {
      await writeFile(file, `${CLIENT}// edited meanwhile\n`);
      await assert.rejects(applyCleanup(plan), (e: unknown) => FlagError.is(e, 'STORE_CONFLICT'));
      assert.equal(await readFile(file, 'utf8'), `${CLIENT}// edited meanwhile\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('planWorkspaceCleanup', () => {
  it("type-checks a monorepo package with its own tsconfig (paths), not the root's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-cleanup-ws-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, types: [] }, include: ['server'] }),
        'frontend/tsconfig.json': JSON.stringify({
          compilerOptions: { strict: true, types: [], baseUrl: '.', paths: { '@/*': ['src/*'] } },
          include: ['src'],
        }),
        'frontend/src/lib/money.ts': 'export const format = (n: number): string => n.toFixed(2);\n',
        'frontend/src/price.ts': `${CLIENT}import { format } from '@/lib/money';
export function price(n: number): string {
  return client.getBooleanValue('new-price', false) ? format(n) : String(n);
}
`,
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(join(dir, path, '..'), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      await loadTsMorph();
      const scanner = await FlagScanner.create(dir, { patterns: createPatterns(), exclude: [] });
      const { references } = scanner.scan();
      scanner.dispose();
      const document = storeDocumentSchema.parse({
        version: 1,
        environments: [{ key: 'production' }],
        flags: [
          {
            key: 'new-price',
            name: 'new-price',
            kind: 'release',
            createdAt: '2026-01-01T00:00:00Z',
            type: 'boolean',
            variants: { on: true, off: false },
          },
        ],
      });
      const plan = await planWorkspaceCleanup({
        root: dir,
        document,
        flagKey: 'new-price',
        keepVariant: 'on',
        references,
      });
      assert.match(plan.files[0]!.after, /return format\(n\);/);
      const result = await applyCleanup(plan);
      assert.deepEqual(result.check, { files: 1, unresolvedImports: 0 });
      assert.equal(result.ok, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

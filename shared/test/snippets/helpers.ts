/** Shared fixtures of the snippet and codegen tests: a small store and a scratch directory inside the repo. */
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Diagnostic, Project } from 'ts-morph';
import { storeDocumentSchema, type StoreDocument } from '../../src/flags/model.ts';
import { loadTsMorph } from '../../src/scanner/index.ts';

export const REPO_ROOT = join(import.meta.dirname, '../../..');

const at = '2026-01-01T00:00:00Z';

/** A store with one flag of each type; staging serves other variants than production, and has a rule. */
export const DOCUMENT: StoreDocument = storeDocumentSchema.parse({
  version: 1,
  environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
  flags: [
    {
      key: 'checkout-theme',
      name: 'Checkout theme',
      kind: 'experiment',
      createdAt: at,
      type: 'string',
      variants: { light: 'light', dark: 'dark', contrast: 'contrast' },
      environments: {
        production: { enabled: true, defaultVariant: 'light' },
        staging: {
          enabled: true,
          defaultVariant: 'dark',
          rules: [
            {
              conditions: [{ attribute: 'targetingKey', operator: 'equals', value: 'user-123' }],
              serve: { variant: 'contrast' },
            },
          ],
        },
      },
    },
    {
      key: 'new-checkout',
      name: 'New checkout',
      kind: 'release',
      createdAt: at,
      type: 'boolean',
      variants: { on: true, off: false },
      environments: {
        production: { enabled: true, defaultVariant: 'off' },
        staging: { enabled: true, defaultVariant: 'on' },
      },
    },
    {
      key: 'page-size',
      name: 'Page size',
      kind: 'operational',
      createdAt: at,
      type: 'number',
      variants: { small: 20, large: 50 },
      environments: { production: { enabled: true, defaultVariant: 'small' } },
    },
    {
      key: 'price-factor',
      name: 'Price factor',
      kind: 'experiment',
      createdAt: at,
      type: 'number',
      variants: { base: 1, promo: 0.85 },
    },
    {
      key: 'checkout-config',
      name: 'Checkout config',
      kind: 'operational',
      createdAt: at,
      type: 'object',
      variants: { safe: { retries: 1, mode: 'safe' }, fast: { retries: 3, mode: 'fast' } },
      environments: { production: { enabled: true, defaultVariant: 'fast' } },
    },
    {
      key: 'old-banner',
      name: 'Old banner',
      kind: 'release',
      createdAt: at,
      type: 'boolean',
      variants: { on: true, off: false },
      archived: true,
    },
  ],
});

/** The flag of {@link DOCUMENT} with `key`. */
export function flagOf(key: string): StoreDocument['flags'][number] {
  const flag = DOCUMENT.flags.find((f) => f.key === key);
  if (!flag) throw new Error(`no flag ${key}`);
  return flag;
}

/**
 * A fresh directory under `.test-artifacts/` (git-ignored) inside the repo, so generated code resolves the
 * repo's node_modules; removed by the returned function.
 */
export async function scratchDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = join(REPO_ROOT, '.test-artifacts', `${prefix}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A ts-morph project with the repo's compiler options (plus JSX) over `files`. */
export async function repoProject(files: readonly string[]): Promise<Project> {
  const { Project, ts } = await loadTsMorph();
  const project = new Project({
    tsConfigFilePath: join(REPO_ROOT, 'tsconfig.json'),
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { jsx: ts.JsxEmit.ReactJSX },
  });
  for (const f of files) project.addSourceFileAtPath(f);
  return project;
}

/** Diagnostics as readable strings (empty when the files type-check). */
export function describeDiagnostics(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const message = d.getMessageText();
    return `${d.getSourceFile()?.getBaseName() ?? ''}:${d.getLineNumber() ?? 0} ${typeof message === 'string' ? message : message.getMessageText()}`;
  });
}

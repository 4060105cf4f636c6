import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from 'ts-morph';
import { createPatterns, findReferencesInSourceFile, loadTsMorph, type SdkPreset } from '../../src/scanner/index.ts';
import { planCleanup } from '../../src/scanner/cleanup.ts';
import type { VariantValue } from '../../src/flags/model.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/cleanup');

interface CaseFile {
  readonly flag: string;
  readonly keep: { readonly variant: string; readonly value: VariantValue };
  readonly description?: string;
  readonly manual?: number;
  readonly notes?: number;
  /** 1-based lines of the notes in the expected output, when given. */
  readonly noteLines?: number[];
  readonly unresolved?: number;
  /** SDK presets to scan for besides OpenFeature. */
  readonly presets?: SdkPreset[];
}

interface Fixture {
  readonly name: string;
  readonly spec: CaseFile;
  readonly input: string;
  readonly expected: string;
  readonly inputPath: string;
  readonly expectedPath: string;
}

function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(FIXTURES, d.name);
      const ext = existsSync(join(dir, 'input.tsx')) ? 'tsx' : 'ts';
      const inputPath = join(dir, `input.${ext}`);
      const expectedPath = join(dir, `expected.${ext}`);
      return {
        name: d.name,
        spec: JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseFile,
        input: readFileSync(inputPath, 'utf8'),
        expected: readFileSync(expectedPath, 'utf8'),
        inputPath,
        expectedPath,
      };
    });
}

const fixtures = loadFixtures();

/** A project on the real files (so node_modules resolve), compiled like the repo plus JSX. */
async function realProject(files: readonly string[]): Promise<Project> {
  const { Project, ts } = await loadTsMorph();
  const project = new Project({
    tsConfigFilePath: join(import.meta.dirname, '../../../tsconfig.json'),
    skipAddingFilesFromTsConfig: true,
    // React fixtures use the DOM, as React code does.
    compilerOptions: { jsx: ts.JsxEmit.ReactJSX, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
  });
  for (const f of files) project.addSourceFileAtPath(f);
  return project;
}

describe('cleanup fixtures', () => {
  it('has at least 25 input → expected cases', () => {
    assert.ok(fixtures.length >= 25, `only ${fixtures.length} fixtures`);
  });

  for (const fx of fixtures) {
    it(`${fx.name}: ${fx.spec.description ?? ''}`, async () => {
      const { Project } = await loadTsMorph();
      const project = new Project({ useInMemoryFileSystem: true });
      const file = `/src/${fx.name}.${fx.inputPath.endsWith('x') ? 'tsx' : 'ts'}`;
      const sf = project.createSourceFile(file, fx.input);
      const references = findReferencesInSourceFile(sf, {
        patterns: createPatterns(fx.spec.presets),
        useTypeChecker: false,
      });
      const plan = await planCleanup({ project, flagKey: fx.spec.flag, keep: fx.spec.keep, references });
      const after = plan.files.find((f) => f.file === file)?.after ?? fx.input;
      assert.equal(after, fx.expected);
      assert.equal(plan.manual.length, fx.spec.manual ?? 0, JSON.stringify(plan.manual));
      assert.equal(plan.notes.length, fx.spec.notes ?? 0, JSON.stringify(plan.notes));
      if (fx.spec.noteLines) {
        assert.deepEqual(
          plan.notes.map((n) => n.line),
          fx.spec.noteLines,
        );
      }
      assert.equal(plan.unresolved.length, fx.spec.unresolved ?? 0, JSON.stringify(plan.unresolved));
      // The project is untouched by planning.
      assert.equal(sf.getFullText(), fx.input);
    });
  }

  it('keeps CRLF line endings: every fixture gives the same result with \\r\\n', async () => {
    const { Project } = await loadTsMorph();
    const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
    for (const fx of fixtures) {
      const project = new Project({ useInMemoryFileSystem: true });
      const file = `/src/${fx.name}.${fx.inputPath.endsWith('x') ? 'tsx' : 'ts'}`;
      const sf = project.createSourceFile(file, crlf(fx.input));
      const references = findReferencesInSourceFile(sf, {
        patterns: createPatterns(fx.spec.presets),
        useTypeChecker: false,
      });
      const plan = await planCleanup({ project, flagKey: fx.spec.flag, keep: fx.spec.keep, references });
      assert.equal(plan.files[0]?.after ?? crlf(fx.input), crlf(fx.expected), fx.name);
    }
  });

  it('inputs and expected outputs type-check', async () => {
    const project = await realProject(fixtures.flatMap((f) => [f.inputPath, f.expectedPath]));
    const errors = project
      .getPreEmitDiagnostics()
      .map((d) => `${d.getSourceFile()?.getFilePath() ?? ''}: ${JSON.stringify(d.getMessageText())}`);
    assert.deepEqual(errors, []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileEnvironment, serializeFlagdDocument } from '../../src/flagd/index.ts';
import { FlagError } from '../../src/errors.ts';
import { generateSnippet, safeDefaultValue, type SnippetLanguage } from '../../src/snippets/index.ts';
import { DOCUMENT, describeDiagnostics, flagOf, repoProject, scratchDir } from './helpers.ts';

const run = promisify(execFile);

describe('generateSnippet: TypeScript (Node)', () => {
  it('type-checks against the installed SDK and provider, and evaluates the compiled flagd file', async () => {
    const { dir, remove } = await scratchDir('snippet-node');
    try {
      const snippet = generateSnippet({
        flag: flagOf('checkout-theme'),
        language: 'typescript',
        environment: 'staging',
      });
      assert.equal(snippet.install, 'npm install @openfeature/server-sdk @openfeature/flagd-provider');
      const main = join(dir, 'main.ts');
      await writeFile(main, snippet.code);
      await mkdir(join(dir, '.rollgate/flagd'), { recursive: true });
      await writeFile(
        join(dir, '.rollgate/flagd/staging.flagd.json'),
        serializeFlagdDocument(compileEnvironment(DOCUMENT, 'staging')),
      );
      const project = await repoProject([main]);
      assert.deepEqual(describeDiagnostics(project.getPreEmitDiagnostics()), []);
      // The code default is production's 'light', staging's default is 'dark'; the staging rule for the
      // snippet's targeting key serves 'contrast' — so 'contrast' proves the file and the context were used.
      const { stdout } = await run(process.execPath, ['--import', 'tsx', main], { cwd: dir, timeout: 60_000 });
      assert.equal(stdout.trim(), 'contrast');
    } finally {
      await remove();
    }
  });

  it('uses the production default variant as the default, typed per flag', () => {
    const code = (key: string): string =>
      generateSnippet({ flag: flagOf(key), language: 'typescript', environment: 'production' }).code;
    assert.match(code('new-checkout'), /const newCheckout = await client\.getBooleanValue\('new-checkout', false, /);
    assert.match(code('page-size'), /client\.getNumberValue\('page-size', 20, /);
    assert.match(
      code('checkout-config'),
      /client\.getObjectValue\('checkout-config', \{ retries: 3, mode: 'fast' \}, /,
    );
    assert.match(code('price-factor'), /client\.getNumberValue\('price-factor', 0, /);
    assert.match(code('page-size'), /offlineFlagSourcePath: '\.rollgate\/flagd\/production\.flagd\.json'/);
  });
});

describe('generateSnippet: React', () => {
  it('type-checks against @openfeature/react-sdk with the hook of the flag type', async () => {
    const { dir, remove } = await scratchDir('snippet-react');
    try {
      const snippet = generateSnippet({ flag: flagOf('page-size'), language: 'react', environment: 'production' });
      assert.match(snippet.code, /const pageSize = useNumberFlagValue\('page-size', 20\);/);
      assert.ok(snippet.notes.some((n) => n.includes('web provider') && n.includes('OFREP')));
      const file = join(dir, 'app.tsx');
      await writeFile(file, snippet.code);
      const project = await repoProject([file]);
      assert.deepEqual(describeDiagnostics(project.getPreEmitDiagnostics()), []);
    } finally {
      await remove();
    }
  });
});

/** Structural expectations per language: every pattern must appear in the generated code. */
const STRUCTURE: Record<
  Extract<SnippetLanguage, 'python' | 'go' | 'java' | 'dotnet'>,
  { key: string; patterns: RegExp[]; install: RegExp }[]
> = {
  python: [
    {
      key: 'new-checkout',
      patterns: [
        /from openfeature\.contrib\.provider\.flagd import FlagdProvider/,
        /resolver_type=ResolverType\.FILE,/,
        /offline_flag_source_path="\.rollgate\/flagd\/staging\.flagd\.json",/,
        /new_checkout = client\.get_boolean_value\(\s*"new-checkout", False, EvaluationContext\(targeting_key="user-123"\)/,
      ],
      install: /^pip install openfeature-sdk openfeature-provider-flagd$/,
    },
    { key: 'page-size', patterns: [/client\.get_integer_value\(\s*"page-size", 20,/], install: /pip/ },
    { key: 'price-factor', patterns: [/client\.get_float_value\(\s*"price-factor", 0\.0,/], install: /pip/ },
    {
      key: 'checkout-config',
      patterns: [/client\.get_object_value\(\s*"checkout-config", \{"retries": 3, "mode": "fast"\},/],
      install: /pip/,
    },
  ],
  go: [
    {
      key: 'new-checkout',
      patterns: [
        /flagd "github\.com\/open-feature\/go-sdk-contrib\/providers\/flagd\/pkg"/,
        /flagd\.WithInProcessResolver\(\),/,
        /flagd\.WithOfflineFilePath\("\.rollgate\/flagd\/staging\.flagd\.json"\),/,
        /openfeature\.SetProviderAndWait\(provider\)/,
        /newCheckout, err := client\.BooleanValue\(context\.Background\(\), "new-checkout", false, evalCtx\)/,
      ],
      install: /^go get github\.com\/open-feature\/go-sdk github\.com\/open-feature\/go-sdk-contrib\/providers\/flagd$/,
    },
    {
      key: 'page-size',
      patterns: [/client\.IntValue\(context\.Background\(\), "page-size", int64\(20\), evalCtx\)/],
      install: /go get/,
    },
    {
      key: 'price-factor',
      patterns: [/client\.FloatValue\(context\.Background\(\), "price-factor", float64\(0\), evalCtx\)/],
      install: /go get/,
    },
    {
      key: 'checkout-config',
      patterns: [
        /client\.ObjectValue\(context\.Background\(\), "checkout-config", map\[string\]any\{"retries": 3, "mode": "fast"\}, evalCtx\)/,
      ],
      install: /go get/,
    },
  ],
  java: [
    {
      key: 'new-checkout',
      patterns: [
        /import dev\.openfeature\.contrib\.providers\.flagd\.FlagdOptions;/,
        /\.resolverType\(Config\.Resolver\.FILE\)/,
        /\.offlineFlagSourcePath\("\.rollgate\/flagd\/staging\.flagd\.json"\)/,
        /api\.setProviderAndWait\(provider\);/,
        /boolean newCheckout = client\.getBooleanValue\("new-checkout", false, new ImmutableContext\("user-123"\)\);/,
      ],
      install: /dev\.openfeature:sdk.*dev\.openfeature\.contrib\.providers:flagd/,
    },
    { key: 'page-size', patterns: [/int pageSize = client\.getIntegerValue\("page-size", 20, /], install: /sdk/ },
    {
      key: 'price-factor',
      patterns: [/double priceFactor = client\.getDoubleValue\("price-factor", 0\.0, /],
      install: /sdk/,
    },
    {
      key: 'checkout-config',
      patterns: [
        /Value checkoutConfig = client\.getObjectValue\("checkout-config", new Value\(Structure\.mapToStructure\(Map\.ofEntries\(Map\.entry\("retries", 3\), Map\.entry\("mode", "fast"\)\)\)\), /,
        /import dev\.openfeature\.sdk\.Value;/,
      ],
      install: /sdk/,
    },
  ],
  dotnet: [
    {
      key: 'new-checkout',
      patterns: [
        /using OpenFeature\.Providers\.Flagd;/,
        /new FlagdConfigBuilder\(\)\s+\.WithResolverType\(ResolverType\.FILE\)\s+\.WithOfflineFlagSourcePath\("\.rollgate\/flagd\/staging\.flagd\.json"\)\s+\.Build\(\);/,
        /await Api\.Instance\.SetProviderAsync\(new FlagdProvider\(config\)\);/,
        /var newCheckout = await client\.GetBooleanValueAsync\("new-checkout", false, context\);/,
      ],
      install: /^dotnet add package OpenFeature && dotnet add package OpenFeature\.Providers\.Flagd$/,
    },
    { key: 'page-size', patterns: [/client\.GetIntegerValueAsync\("page-size", 20, context\)/], install: /dotnet/ },
    {
      key: 'price-factor',
      patterns: [/client\.GetDoubleValueAsync\("price-factor", 0\.0, context\)/],
      install: /dotnet/,
    },
    {
      key: 'checkout-config',
      patterns: [
        /client\.GetObjectValueAsync\("checkout-config", new Value\(Structure\.Builder\(\)\.Set\("retries", new Value\(3\)\)\.Set\("mode", new Value\("fast"\)\)\.Build\(\)\), context\)/,
      ],
      install: /dotnet/,
    },
  ],
};

describe('generateSnippet: other languages', () => {
  for (const [language, cases] of Object.entries(STRUCTURE)) {
    for (const c of cases) {
      it(`${language}: ${c.key}`, () => {
        const snippet = generateSnippet({
          flag: flagOf(c.key),
          language: language as SnippetLanguage,
          environment: 'staging',
        });
        assert.equal(snippet.language, language);
        for (const p of c.patterns) assert.match(snippet.code, p);
        assert.match(snippet.install, c.install);
      });
    }
  }
});

describe('generateSnippet: notes and errors', () => {
  it('notes a flag without configuration in the environment, and archived flags', () => {
    const notes = generateSnippet({ flag: flagOf('old-banner'), language: 'go', environment: 'staging' }).notes;
    assert.match(notes[0]!, /"old-banner" has no configuration in "staging"/);
    assert.match(notes[1]!, /archived/);
  });

  it('rejects an unknown language with a hint listing the supported ones', () => {
    assert.throws(
      () =>
        generateSnippet({ flag: flagOf('new-checkout'), language: 'cobol' as SnippetLanguage, environment: 'staging' }),
      (e: unknown) =>
        FlagError.is(e, 'INVALID_INPUT') && /typescript, react, python, go, java, dotnet/.test(String(e.details.hint)),
    );
  });

  it('safeDefaultValue: production default variant, else the zero value of the type', () => {
    assert.equal(safeDefaultValue(flagOf('checkout-theme')), 'light');
    assert.equal(safeDefaultValue(flagOf('new-checkout')), false);
    assert.deepEqual(safeDefaultValue(flagOf('checkout-config')), { retries: 3, mode: 'fast' });
    assert.equal(safeDefaultValue(flagOf('price-factor')), 0);
    assert.equal(safeDefaultValue({ ...flagOf('checkout-theme'), environments: {} }), '');
  });
});

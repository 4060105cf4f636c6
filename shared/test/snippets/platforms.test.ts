import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateSnippet, type SnippetLanguage } from '../../src/snippets/index.ts';
import { REPO_ROOT, describeDiagnostics, flagOf, repoProject, scratchDir } from './helpers.ts';

const run = promisify(execFile);

/** One flag of each kind: boolean, string (with a staging rule), integer, float and object. */
const KEYS = ['new-checkout', 'checkout-theme', 'page-size', 'price-factor', 'checkout-config'] as const;

/** Whether `command` runs on this machine (CI installs them: see .ci/run). */
function has(command: string, versionArg = '--version'): boolean {
  try {
    execFileSync(command, [versionArg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Each language's own parser/compiler over the snippets of every kind of flag. Only syntax is checkable offline
 * for these (their SDKs are not installed): php -l, ruby -c, gofmt -e, python3 -m py_compile, rustfmt --check.
 * `oneFilePerRun`: the tool takes one file per invocation.
 */
const PARSERS: {
  language: SnippetLanguage;
  extension: string;
  command: string;
  args: string[];
  oneFilePerRun?: boolean;
}[] = [
  { language: 'php', extension: 'php', command: 'php', args: ['-l'], oneFilePerRun: true },
  { language: 'ruby', extension: 'rb', command: 'ruby', args: ['-c'], oneFilePerRun: true },
  { language: 'go', extension: 'go', command: 'gofmt', args: ['-e', '-l'] },
  { language: 'python', extension: 'py', command: 'python3', args: ['-m', 'py_compile'] },
  { language: 'rust', extension: 'rs', command: 'rustfmt', args: ['--edition', '2021', '--check'] },
];

describe('snippets parse with each language’s own tools', () => {
  for (const parser of PARSERS) {
    const available = has(parser.command, parser.command === 'gofmt' ? '-h' : '--version');
    it(
      `${parser.language}: ${parser.command} ${parser.args.join(' ')}`,
      { skip: available ? false : `${parser.command} is not installed (CI installs it)` },
      async () => {
        const { dir, remove } = await scratchDir(`snippet-${parser.language}`);
        try {
          const files: string[] = [];
          for (const key of KEYS) {
            const file = join(dir, `${key.replace(/-/g, '_')}.${parser.extension}`);
            await writeFile(
              file,
              generateSnippet({ flag: flagOf(key), language: parser.language, environment: 'staging' }).code,
            );
            files.push(file);
          }
          const runs = parser.oneFilePerRun ? files.map((f) => [f]) : [files];
          for (const batch of runs) {
            // A syntax error exits non-zero (run rejects); gofmt -l and rustfmt --check also print any file that
            // is not formatted the way those tools want, so the generated code must match their style too.
            const { stdout } = await run(parser.command, [...parser.args, ...batch], { cwd: dir, timeout: 60_000 });
            if (!parser.oneFilePerRun) assert.equal(stdout, '');
          }
        } finally {
          await remove();
        }
      },
    );
  }
});

/** Stub sources of the OpenFeature Java SDK and flagd provider API the Java snippets use (no Maven Central here). */
const JAVA_STUBS = join(REPO_ROOT, 'shared/test/fixtures/snippet-stubs/java');

/** Flags whose Java defaults are written differently from {@link KEYS}'s. */
function javaEdgeFlags(): ReturnType<typeof flagOf>[] {
  const production = (defaultVariant: string) => ({
    production: { ...flagOf('checkout-config').environments['production']!, defaultVariant },
  });
  return [
    // A nested list, object, null and quoted string: List.of, Map.ofEntries, new Value().
    {
      ...flagOf('checkout-config'),
      key: 'checkout-layout',
      variants: { v: { steps: [1, 2.5, 'pay', 3_000_000_000], limits: { max: 10, label: null }, note: 'say "hi"\\n' } },
      environments: production('v'),
    },
    // No production default: the zero value, an empty map.
    { ...flagOf('checkout-config'), key: 'checkout-extras', environments: {} },
    // An integer beyond Java's int: read as long.
    {
      ...flagOf('page-size'),
      key: 'upload-limit',
      variants: { small: 1, huge: 5_000_000_000 },
      environments: production('huge'),
    },
  ];
}

/**
 * Compiles a Java snippet (class FlagExample, so one directory each) with javac against {@link JAVA_STUBS};
 * resolves to javac's diagnostics, '' when it compiles.
 */
async function javac(dir: string, name: string, code: string): Promise<string> {
  await mkdir(join(dir, name));
  const file = join(dir, name, 'FlagExample.java');
  await writeFile(file, code);
  try {
    await run('javac', ['-sourcepath', JAVA_STUBS, '-d', join(dir, name, 'classes'), file], { timeout: 120_000 });
    return '';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

describe('Java snippets compile with javac against the SDK and flagd provider API', () => {
  it(
    'every kind of flag compiles; a misspelled method and a wrong default type are rejected',
    { skip: has('javac', '-version') ? false : 'javac is not installed (CI installs default-jdk-headless)' },
    async () => {
      const { dir, remove } = await scratchDir('snippet-java');
      try {
        for (const flag of [...KEYS.map(flagOf), ...javaEdgeFlags()]) {
          const code = generateSnippet({ flag, language: 'java', environment: 'staging' }).code;
          assert.equal(await javac(dir, flag.key, code), '', `${flag.key}:\n${code}`);
        }
        // Map.entry and List.of throw on null at run time, which javac cannot see: null is written as a Value.
        const layout = generateSnippet({ flag: javaEdgeFlags()[0]!, language: 'java', environment: 'staging' }).code;
        assert.match(layout, /Map\.entry\("label", new Value\(\)\)/);
        // The check is not vacuous: the stubs declare only the real API, with its types.
        const pageSize = generateSnippet({ flag: flagOf('page-size'), language: 'java', environment: 'staging' }).code;
        assert.match(
          await javac(dir, 'misspelled', pageSize.replace('getIntegerValue', 'getIntValue')),
          /cannot find symbol[\s\S]*getIntValue/,
        );
        assert.match(
          await javac(dir, 'wrong-type', pageSize.replace('"page-size", 20', '"page-size", 20L')),
          /incompatible types: long cannot be converted to Integer/,
        );
      } finally {
        await remove();
      }
    },
  );
});

describe('snippets type-check: Vue, Angular, React Native', () => {
  it('every kind of flag, against the real web/React SDK and framework stubs; a wrong accessor is caught', async () => {
    const stubs = join(REPO_ROOT, 'shared/test/fixtures/snippet-stubs/frameworks.d.ts');
    const { dir, remove } = await scratchDir('snippet-web');
    try {
      const files: string[] = [];
      for (const [language, extension] of [
        ['vue', 'ts'],
        ['angular', 'ts'],
        ['react-native', 'tsx'],
      ] as const) {
        for (const key of KEYS) {
          const file = join(dir, `${language}-${key}.${extension}`);
          await writeFile(file, generateSnippet({ flag: flagOf(key), language, environment: 'staging' }).code);
          files.push(file);
        }
      }
      // One deliberately wrong file proves the check is not vacuous: a number flag read as a boolean.
      const bad = join(dir, 'wrong-accessor.ts');
      const vue = generateSnippet({ flag: flagOf('page-size'), language: 'vue', environment: 'staging' }).code;
      await writeFile(bad, vue.replace('getNumberValue', 'getBooleanValue'));
      const project = await repoProject([stubs, ...files, bad]);
      const diagnostics = describeDiagnostics(project.getPreEmitDiagnostics());
      assert.ok(diagnostics.length > 0);
      assert.deepEqual(
        diagnostics.filter((d) => !d.startsWith('wrong-accessor.ts:')),
        [],
      );
    } finally {
      await remove();
    }
  });
});

/** The SDK, provider and typed accessor each platform's snippet uses. */
const STRUCTURE: Record<string, { key: string; patterns: RegExp[] }[]> = {
  swift: [
    {
      key: 'new-checkout',
      patterns: [
        /^import OFREP\nimport OpenFeature$/m,
        /OfrepProvider\(options: OfrepProviderOptions\(endpoint: "http:\/\/localhost:8016"\)\)/,
        /await OpenFeatureAPI\.shared\.setProviderAndWait\(provider: provider, initialContext: context\)/,
        /let newCheckout: Bool = client\.getBooleanValue\(key: "new-checkout", defaultValue: false\)/,
      ],
    },
    {
      key: 'page-size',
      patterns: [/let pageSize: Int64 = client\.getIntegerValue\(key: "page-size", defaultValue: 20\)/],
    },
    { key: 'price-factor', patterns: [/: Double = client\.getDoubleValue\(key: "price-factor", defaultValue: 0\.0\)/] },
    {
      key: 'checkout-config',
      patterns: [
        /: Value = client\.getObjectValue\(key: "checkout-config", defaultValue: \.structure\(\["retries": \.integer\(3\), "mode": \.string\("fast"\)\]\)\)/,
      ],
    },
  ],
  kotlin: [
    {
      key: 'new-checkout',
      patterns: [
        /import dev\.openfeature\.kotlin\.contrib\.providers\.ofrep\.OfrepProvider/,
        /OfrepProvider\(OfrepOptions\(endpoint = "http:\/\/localhost:8016"\)\)/,
        /OpenFeatureAPI\.setProviderAndWait\(provider, initialContext = ImmutableContext\(targetingKey = "user-123"\)\)/,
        /val newCheckout: Boolean = client\.getBooleanValue\("new-checkout", false\)/,
      ],
    },
    { key: 'page-size', patterns: [/val pageSize: Int = client\.getIntegerValue\("page-size", 20\)/] },
    { key: 'price-factor', patterns: [/: Double = client\.getDoubleValue\("price-factor", 0\.0\)/] },
    {
      key: 'checkout-config',
      patterns: [
        /import dev\.openfeature\.kotlin\.sdk\.Value/,
        /client\.getObjectValue\("checkout-config", Value\.Structure\(mapOf\("retries" to Value\.Integer\(3\), "mode" to Value\.String\("fast"\)\)\)\)/,
      ],
    },
  ],
  php: [
    {
      key: 'new-checkout',
      patterns: [
        /use OpenFeature\\Providers\\Flagd\\FlagdProvider;/,
        /'protocol' => 'http',/,
        /\$newCheckout = \$client->getBooleanValue\('new-checkout', false, new EvaluationContext\('user-123'\)\);/,
      ],
    },
    { key: 'page-size', patterns: [/\$client->getIntegerValue\('page-size', 20, /] },
    { key: 'price-factor', patterns: [/\$client->getFloatValue\('price-factor', 0\.0, /] },
    {
      key: 'checkout-config',
      patterns: [/\$client->getObjectValue\('checkout-config', \['retries' => 3, 'mode' => 'fast'\], /],
    },
  ],
  ruby: [
    {
      key: 'new-checkout',
      patterns: [
        /OpenFeature::OFREP::Configuration\.new\(base_url: "http:\/\/localhost:8016"\)/,
        /config\.set_provider\(OpenFeature::OFREP::Provider\.new\(configuration: configuration\)\)/,
        /new_checkout = client\.fetch_boolean_value\(flag_key: "new-checkout", default_value: false, evaluation_context: context\)/,
      ],
    },
    { key: 'page-size', patterns: [/client\.fetch_integer_value\(flag_key: "page-size", default_value: 20,/] },
    { key: 'price-factor', patterns: [/client\.fetch_float_value\(flag_key: "price-factor", default_value: 0\.0,/] },
    {
      key: 'checkout-config',
      patterns: [
        /client\.fetch_object_value\(flag_key: "checkout-config", default_value: \{"retries" => 3, "mode" => "fast"\},/,
      ],
    },
  ],
  rust: [
    {
      key: 'new-checkout',
      patterns: [
        /resolver_type: ResolverType::File,/,
        /source_configuration: Some\("\.rollgate\/flagd\/staging\.flagd\.json"\.to_string\(\)\),/,
        /let new_checkout: bool = client\n\s+\.get_bool_value\("new-checkout", Some\(&context\), None\)\n\s+\.await\n\s+\.unwrap_or\(false\);/,
      ],
    },
    {
      key: 'page-size',
      patterns: [/let page_size: i64 = client\n\s+\.get_int_value\("page-size"/, /\.unwrap_or\(20\);/],
    },
    { key: 'price-factor', patterns: [/: f64 = client\n\s+\.get_float_value\("price-factor"/, /\.unwrap_or\(0\.0\);/] },
    { key: 'checkout-theme', patterns: [/\.unwrap_or_else\(\|_\| "light"\.to_string\(\)\);/] },
    { key: 'checkout-config', patterns: [/: StructValue = client\n\s+\.get_struct_value\("checkout-config"/] },
  ],
  vue: [
    {
      key: 'new-checkout',
      patterns: [
        /new OFREPWebProvider\(\{ baseUrl: 'http:\/\/localhost:8016' \}\)/,
        /export function useNewCheckout\(\): Readonly<Ref<boolean>>/,
        /client\.getBooleanValue\('new-checkout', false\)/,
      ],
    },
  ],
  angular: [
    {
      key: 'new-checkout',
      patterns: [
        /OpenFeatureModule\.forRoot\(\{\n\s+provider: new OFREPWebProvider/,
        /readonly newCheckout = toSignal\(this\.flags\.getBooleanDetails\('new-checkout', false\)\);/,
      ],
    },
  ],
  'react-native': [
    {
      key: 'page-size',
      patterns: [/import \{ Text \} from 'react-native';/, /const pageSize = useNumberFlagValue\('page-size', 20\);/],
    },
  ],
};

describe('snippets: SDK, provider and typed accessor per platform', () => {
  for (const [language, cases] of Object.entries(STRUCTURE)) {
    for (const c of cases) {
      it(`${language}: ${c.key}`, () => {
        const snippet = generateSnippet({
          flag: flagOf(c.key),
          language: language as SnippetLanguage,
          environment: 'staging',
        });
        for (const p of c.patterns) assert.match(snippet.code, p);
        assert.notEqual(snippet.install, '');
      });
    }
  }

  it('strings are escaped per language so values never interpolate', () => {
    const flag = { ...flagOf('checkout-theme'), variants: { a: '$x #{y} \\ \'q\' "d"' } };
    const prod = { production: { enabled: true, defaultVariant: 'a', rules: [] } };
    const code = (language: SnippetLanguage): string =>
      generateSnippet({ flag: { ...flag, environments: prod }, language, environment: 'production' }).code;
    assert.match(code('kotlin'), /"\\\$x #\{y\} \\\\ 'q' \\"d\\""/);
    assert.match(code('ruby'), /"\$x \\#\{y\} \\\\ 'q' \\"d\\""/);
    assert.match(code('php'), /'\$x #\{y\} \\\\ \\'q\\' "d"'/);
  });
});

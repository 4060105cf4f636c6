/**
 * Code snippets that evaluate one flag with OpenFeature: SDK + flagd provider set up to evaluate the compiled
 * `.rollgate/flagd/<env>.flagd.json` in process (file mode, no flagd daemon) where the platform has such a
 * provider, else OFREP (or flagd's HTTP API) against `flagd start --uri file:<that file>`; then the typed
 * evaluation call with the flag's safe default. One generator per language; all share the flag facts computed
 * here. Server languages are in this file, mobile/web frameworks and the rest in platforms.ts.
 */
import { FlagError } from '../errors.ts';
import type { Flag, JsonValue, VariantValue } from '../flags/model.ts';
import { camelCaseKey, printPythonLiteral, printTsLiteral, quoteString, snakeCaseKey } from './literals.ts';
import {
  EXAMPLE_TARGETING_KEY,
  SAFE_DEFAULT_ENVIRONMENT,
  defaultNote,
  typeName,
  webProviderSetup,
  type FlagFacts,
  type Generator,
} from './facts.ts';
import { PLATFORM_GENERATORS } from './platforms.ts';

/** Languages a snippet can be generated for. */
export const SnippetLanguage = {
  typescript: 'typescript',
  react: 'react',
  python: 'python',
  go: 'go',
  java: 'java',
  dotnet: 'dotnet',
  swift: 'swift',
  kotlin: 'kotlin',
  php: 'php',
  ruby: 'ruby',
  rust: 'rust',
  vue: 'vue',
  angular: 'angular',
  'react-native': 'react-native',
} as const;
/** One of {@link SnippetLanguage}'s values. */
export type SnippetLanguage = (typeof SnippetLanguage)[keyof typeof SnippetLanguage];

/** Input of {@link generateSnippet}. */
export interface SnippetOptions {
  readonly flag: Flag;
  readonly language: SnippetLanguage;
  /** Environment whose compiled flagd file the snippet reads, e.g. `production`. */
  readonly environment: string;
  /** Path of that file as the app sees it; default `.rollgate/flagd/<environment>.flagd.json`. */
  readonly flagdFilePath?: string;
}

/** A generated snippet. */
export interface Snippet {
  readonly language: SnippetLanguage;
  readonly code: string;
  /** Shell command(s) installing the SDK and provider packages. */
  readonly install: string;
  /** Things to know: what the default means, browser caveats, version notes. */
  readonly notes: string[];
}

/**
 * The default to write in code: the value of the flag's production default variant, else the type's zero value
 * (`false`, `''`, `0`, `{}`). It is what apps get when the provider is not ready or the flag is disabled.
 */
export function safeDefaultValue(flag: Flag): VariantValue {
  const variant = flag.environments[SAFE_DEFAULT_ENVIRONMENT]?.defaultVariant;
  const value = variant === undefined ? undefined : flag.variants[variant];
  if (value !== undefined) return value;
  switch (flag.type) {
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'object':
      return {};
  }
}

/** The default flagd file of an environment, as written by `rollgate compile`. */
export function defaultFlagdFilePath(environment: string): string {
  return `.rollgate/flagd/${environment}.flagd.json`;
}

/**
 * Generates the code evaluating `flag` in `language`: OpenFeature SDK + flagd provider in file mode reading the
 * environment's compiled flagd file, and the evaluation call with the flag's real type and safe default
 * ({@link safeDefaultValue}). Throws FlagError INVALID_INPUT for an unknown language.
 */
export function generateSnippet(options: SnippetOptions): Snippet {
  const { flag, language, environment } = options;
  const generator = (GENERATORS as Partial<Record<string, Generator>>)[language];
  if (!generator) {
    throw new FlagError('INVALID_INPUT', `No snippet generator for language "${String(language)}".`, {
      flagKey: flag.key,
      hint: `Use one of: ${Object.values(SnippetLanguage).join(', ')}.`,
    });
  }
  const facts: FlagFacts = {
    flag,
    key: flag.key,
    path: options.flagdFilePath ?? defaultFlagdFilePath(environment),
    defaultValue: safeDefaultValue(flag),
    integer: Object.values(flag.variants).every((v) => Number.isInteger(v)),
  };
  const snippet = generator(facts);
  const notes = [...snippet.notes];
  if (flag.archived) notes.unshift(`"${flag.key}" is archived: remove its evaluations instead (rollgate cleanup).`);
  if (!(environment in flag.environments)) {
    notes.unshift(`"${flag.key}" has no configuration in "${environment}": apps there get the default in code.`);
  }
  return { language, ...snippet, notes };
}

const GENERATORS: Readonly<Record<SnippetLanguage, Generator>> = {
  ...PLATFORM_GENERATORS,
  typescript: (facts) => {
    const name = camelCaseKey(facts.key);
    const def = printTsLiteral(facts.defaultValue);
    return {
      code: `import { OpenFeature } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';

// Evaluate in process from the compiled flag file (no flagd daemon); the file is watched for changes.
await OpenFeature.setProviderAndWait(
  new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: ${quoteString(facts.path, "'")} }),
);
const client = OpenFeature.getClient();

// targetingKey: the user's id (percentage rollouts bucket on it).
const ${name} = await client.get${typeName(facts.flag.type)}Value(${quoteString(facts.key, "'")}, ${def}, { targetingKey: ${quoteString(EXAMPLE_TARGETING_KEY, "'")} });
console.log(${facts.flag.type === 'object' ? `JSON.stringify(${name})` : name});

// On shutdown: stop watching the file.
await OpenFeature.close();
`,
      install: 'npm install @openfeature/server-sdk @openfeature/flagd-provider',
      notes: [defaultNote(facts, def)],
    };
  },
  react: (facts) => {
    const name = camelCaseKey(facts.key);
    const component = name[0]!.toUpperCase() + name.slice(1);
    const def = printTsLiteral(facts.defaultValue);
    return {
      code: `import type { ReactNode } from 'react';
import { OpenFeature, OpenFeatureProvider, use${typeName(facts.flag.type)}FlagValue } from '@openfeature/react-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

// Browsers cannot read the flag file: serve it with flagd (OFREP on port 8016) and point a web provider at it.
${webProviderSetup()}

export function ${component}() {
  const ${name} = use${typeName(facts.flag.type)}FlagValue(${quoteString(facts.key, "'")}, ${def});
  return <pre>{JSON.stringify(${name})}</pre>;
}

export function App({ children }: { children?: ReactNode }) {
  return (
    <OpenFeatureProvider>
      <${component} />
      {children}
    </OpenFeatureProvider>
  );
}
`,
      install: 'npm install @openfeature/react-sdk @openfeature/web-sdk @openfeature/ofrep-web-provider',
      notes: [
        defaultNote(facts, def),
        `Browsers use a web provider, not the file: run \`flagd start --uri file:${facts.path}\` and use OFREP (@openfeature/ofrep-web-provider) or @openfeature/flagd-web-provider.`,
        'Hooks re-render when the flag changes; set the evaluation context once the user is known.',
      ],
    };
  },
  python: (facts) => {
    const method = facts.flag.type === 'number' ? (facts.integer ? 'integer' : 'float') : facts.flag.type;
    const value = facts.defaultValue;
    // get_float_value wants a float default: `20.0`, not `20`.
    const def =
      method === 'float' && typeof value === 'number' && Number.isInteger(value)
        ? `${value}.0`
        : printPythonLiteral(value);
    return {
      code: `from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext

# Evaluate in process from the compiled flag file (no flagd daemon); the file is polled for changes.
api.set_provider(
    FlagdProvider(
        resolver_type=ResolverType.FILE,
        offline_flag_source_path=${quoteString(facts.path)},
    )
)
client = api.get_client()

# targeting_key: the user's id (percentage rollouts bucket on it).
${snakeCaseKey(facts.key)} = client.get_${method}_value(
    ${quoteString(facts.key)}, ${def}, EvaluationContext(targeting_key=${quoteString(EXAMPLE_TARGETING_KEY)})
)
print(${snakeCaseKey(facts.key)})

api.shutdown()
`,
      install: 'pip install openfeature-sdk openfeature-provider-flagd',
      notes: [
        defaultNote(facts, def),
        'openfeature-provider-flagd releases before ResolverType.FILE existed used ResolverType.IN_PROCESS with offline_flag_source_path.',
      ],
    };
  },
  go: (facts) => {
    const name = camelCaseKey(facts.key);
    const method = {
      boolean: 'BooleanValue',
      string: 'StringValue',
      number: facts.integer ? 'IntValue' : 'FloatValue',
      object: 'ObjectValue',
    }[facts.flag.type];
    const def = printGoLiteral(
      facts.defaultValue,
      facts.flag.type === 'number' ? (facts.integer ? 'int64' : 'float64') : undefined,
    );
    return {
      code: `package main

import (
	"context"
	"fmt"

	flagd "github.com/open-feature/go-sdk-contrib/providers/flagd/pkg"
	"github.com/open-feature/go-sdk/openfeature"
)

func main() {
	// Evaluate in process from the compiled flag file (no flagd daemon); the file is watched for changes.
	provider, err := flagd.NewProvider(
		flagd.WithInProcessResolver(),
		flagd.WithOfflineFilePath(${quoteString(facts.path)}),
	)
	if err != nil {
		panic(err)
	}
	if err := openfeature.SetProviderAndWait(provider); err != nil {
		panic(err)
	}
	defer openfeature.Shutdown()
	client := openfeature.NewClient("app")

	// The targeting key is the user's id (percentage rollouts bucket on it).
	evalCtx := openfeature.NewEvaluationContext(${quoteString(EXAMPLE_TARGETING_KEY)}, nil)
	${name}, err := client.${method}(context.Background(), ${quoteString(facts.key)}, ${def}, evalCtx)
	if err != nil {
		fmt.Println("flag evaluation failed, using the default:", err)
	}
	fmt.Println(${name})
}
`,
      install: 'go get github.com/open-feature/go-sdk github.com/open-feature/go-sdk-contrib/providers/flagd',
      notes: [
        defaultNote(facts, def),
        'Newer provider versions also offer flagd.WithFileResolver() for the same file mode.',
      ],
    };
  },
  java: (facts) => {
    const name = camelCaseKey(facts.key);
    // Integers beyond Java's int are read as long: an int literal that large does not compile.
    const number =
      facts.flag.type !== 'number'
        ? undefined
        : !facts.integer
          ? 'double'
          : [facts.defaultValue, ...Object.values(facts.flag.variants)].some(beyondJavaInt)
            ? 'long'
            : 'int';
    const [javaType, method] = {
      boolean: ['boolean', 'getBooleanValue'],
      string: ['String', 'getStringValue'],
      number: [number, `get${{ int: 'Integer', long: 'Long', double: 'Double' }[number ?? 'int']}Value`],
      object: ['Value', 'getObjectValue'],
    }[facts.flag.type];
    const def = printJavaLiteral(facts.defaultValue, number);
    const objectImports =
      facts.flag.type === 'object'
        ? 'import dev.openfeature.sdk.Structure;\nimport dev.openfeature.sdk.Value;\nimport java.util.List;\nimport java.util.Map;\n'
        : '';
    return {
      code: `import dev.openfeature.contrib.providers.flagd.Config;
import dev.openfeature.contrib.providers.flagd.FlagdOptions;
import dev.openfeature.contrib.providers.flagd.FlagdProvider;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
${objectImports}
public class FlagExample {
    public static void main(String[] args) {
        // Evaluate in process from the compiled flag file (no flagd daemon); the file is watched for changes.
        FlagdProvider provider = new FlagdProvider(FlagdOptions.builder()
                .resolverType(Config.Resolver.FILE)
                .offlineFlagSourcePath(${quoteString(facts.path)})
                .build());
        OpenFeatureAPI api = OpenFeatureAPI.getInstance();
        api.setProviderAndWait(provider);
        Client client = api.getClient();

        // The targeting key is the user's id (percentage rollouts bucket on it).
        ${javaType} ${name} = client.${method}(${quoteString(facts.key)}, ${def}, new ImmutableContext(${quoteString(EXAMPLE_TARGETING_KEY)}));
        System.out.println(${name});

        api.shutdown();
    }
}
`,
      install:
        'Gradle: implementation("dev.openfeature:sdk:latest.release") and implementation("dev.openfeature.contrib.providers:flagd:latest.release")',
      notes: [
        defaultNote(facts, def),
        ...(number === 'long'
          ? ['getLongValue needs dev.openfeature:sdk 1.22.0 or later (values beyond 32 bits).']
          : []),
      ],
    };
  },
  dotnet: (facts) => {
    const name = camelCaseKey(facts.key);
    const method = {
      boolean: 'GetBooleanValueAsync',
      string: 'GetStringValueAsync',
      number: facts.integer ? 'GetIntegerValueAsync' : 'GetDoubleValueAsync',
      object: 'GetObjectValueAsync',
    }[facts.flag.type];
    const def = printCSharpLiteral(facts.defaultValue, facts.flag.type === 'number' && !facts.integer);
    return {
      code: `using OpenFeature;
using OpenFeature.Model;
using OpenFeature.Providers.Flagd;

// Evaluate in process from the compiled flag file (no flagd daemon); the file is polled for changes.
var config = new FlagdConfigBuilder()
    .WithResolverType(ResolverType.FILE)
    .WithOfflineFlagSourcePath(${quoteString(facts.path)})
    .Build();
await Api.Instance.SetProviderAsync(new FlagdProvider(config));
var client = Api.Instance.GetClient();

// The targeting key is the user's id (percentage rollouts bucket on it).
var context = EvaluationContext.Builder().SetTargetingKey(${quoteString(EXAMPLE_TARGETING_KEY)}).Build();
var ${name} = await client.${method}(${quoteString(facts.key)}, ${def}, context);
Console.WriteLine(${name});

await Api.Instance.ShutdownAsync();
`,
      install: 'dotnet add package OpenFeature && dotnet add package OpenFeature.Providers.Flagd',
      notes: [
        defaultNote(facts, def),
        'Older releases of the provider were published as OpenFeature.Contrib.Providers.Flagd (namespace OpenFeature.Contrib.Providers.Flagd).',
      ],
    };
  },
};

/** Go source for a JSON value; numbers at the top level get `numberType` (`int64(3)`), objects are `map[string]any`. */
function printGoLiteral(value: JsonValue, numberType?: string): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return numberType ? `${numberType}(${value})` : String(value);
  if (Array.isArray(value)) return `[]any{${value.map((v) => printGoLiteral(v)).join(', ')}}`;
  return `map[string]any{${Object.entries(value)
    .map(([k, v]) => `${quoteString(k)}: ${printGoLiteral(v)}`)
    .join(', ')}}`;
}

/**
 * Java source for a JSON value; objects become `new Value(Structure.mapToStructure(Map.ofEntries(…)))`; a top-level
 * number is written as `number` (`0.0` for double, `3000000000L` for long).
 */
function printJavaLiteral(value: JsonValue, number?: 'int' | 'long' | 'double'): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return `new Value(Structure.mapToStructure(${printJavaPlain(value)}))`;
  }
  if (typeof value === 'number' && number === 'double' && Number.isInteger(value)) return `${value}.0`;
  if (typeof value === 'number' && number === 'long') return `${value}L`;
  return printJavaPlain(value);
}

/** Whether `value` is an integer too large for Java's `int` (its literal needs the `L` of a long). */
function beyondJavaInt(value: JsonValue): boolean {
  return typeof value === 'number' && Number.isInteger(value) && (value > 2_147_483_647 || value < -2_147_483_648);
}

function printJavaPlain(value: JsonValue): string {
  // Map.entry and List.of reject null (NullPointerException); mapToStructure keeps a Value as it is.
  if (value === null) return 'new Value()';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number' && beyondJavaInt(value)) return `${value}L`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `List.of(${value.map(printJavaPlain).join(', ')})`;
  return `Map.ofEntries(${Object.entries(value)
    .map(([k, v]) => `Map.entry(${quoteString(k)}, ${printJavaPlain(v)})`)
    .join(', ')})`;
}

/** C# source for a JSON value; objects become `new Value(Structure.Builder().Set(…).Build())`. */
function printCSharpLiteral(value: JsonValue, double = false): string {
  if (value === null) return 'new Value()';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return double && Number.isInteger(value) ? `${value}.0` : String(value);
  if (Array.isArray(value)) return `new Value(new List<Value> { ${value.map((v) => csharpValue(v)).join(', ')} })`;
  const sets = Object.entries(value).map(([k, v]) => `.Set(${quoteString(k)}, ${csharpValue(v)})`);
  return `new Value(Structure.Builder()${sets.join('')}.Build())`;
}

function csharpValue(value: JsonValue): string {
  const literal = printCSharpLiteral(value);
  return literal.startsWith('new Value') ? literal : `new Value(${literal})`;
}

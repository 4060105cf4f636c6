/**
 * Snippet generators for mobile, browser frameworks and the languages without a JS-like SDK: Swift (iOS), Kotlin
 * (Android), PHP, Ruby, Rust, Vue, Angular and React Native. Each uses the platform's OpenFeature SDK and the
 * flagd provider in process where one exists (Rust), else OFREP (or flagd's HTTP evaluation API for PHP) against
 * `flagd start --uri file:<compiled file>`, and the typed accessor of the flag's type.
 */
import type { JsonValue } from '../flags/model.ts';
import {
  EXAMPLE_TARGETING_KEY,
  FLAGD_OFREP_URL,
  defaultNote,
  flagdDaemonNote,
  typeName,
  webProviderSetup,
  type FlagFacts,
  type Generator,
} from './facts.ts';
import { camelCaseKey, printTsLiteral, quoteString, snakeCaseKey } from './literals.ts';

/** `int`/`float` for number flags (per {@link FlagFacts.integer}), else the flag type. */
const numberKind = (facts: FlagFacts): 'boolean' | 'string' | 'int' | 'float' | 'object' =>
  facts.flag.type === 'number' ? (facts.integer ? 'int' : 'float') : facts.flag.type;

/** A number written so a float-typed language reads it as a float: `0` → `0.0`. */
const floatText = (value: number): string => (Number.isInteger(value) ? `${value}.0` : String(value));

/** The default's literal: objects through `object`, numbers as floats when the flag is float-typed. */
function printDefault(facts: FlagFacts, scalar: (v: JsonValue) => string, object: (v: JsonValue) => string): string {
  const value = facts.defaultValue;
  if (numberKind(facts) === 'float' && typeof value === 'number') return floatText(value);
  return facts.flag.type === 'object' ? object(value) : scalar(value);
}

/** Swift source for a `Value` of the OpenFeature Swift SDK. */
function swiftValue(value: JsonValue): string {
  if (value === null) return '.null';
  if (typeof value === 'boolean') return `.boolean(${value})`;
  if (typeof value === 'string') return `.string(${braceString(value)})`;
  if (typeof value === 'number') return Number.isInteger(value) ? `.integer(${value})` : `.double(${value})`;
  if (Array.isArray(value)) return `.list([${value.map(swiftValue).join(', ')}])`;
  const entries = Object.entries(value).map(([k, v]) => `${braceString(k)}: ${swiftValue(v)}`);
  return `.structure([${entries.length ? entries.join(', ') : ':'}])`;
}

/** A Swift/Rust string literal: JSON escapes, with `\u{…}` instead of `\uXXXX`. */
const braceString = (value: string): string => quoteString(value).replace(/\\u([0-9a-fA-F]{4})/g, '\\u{$1}');

/** Kotlin source for a `Value` of the OpenFeature Kotlin SDK. */
function kotlinValue(value: JsonValue): string {
  if (value === null) return 'Value.Null';
  if (typeof value === 'boolean') return `Value.Boolean(${value})`;
  if (typeof value === 'string') return `Value.String(${kotlinString(value)})`;
  if (typeof value === 'number') return Number.isInteger(value) ? `Value.Integer(${value})` : `Value.Double(${value})`;
  if (Array.isArray(value)) return `Value.List(listOf(${value.map(kotlinValue).join(', ')}))`;
  const entries = Object.entries(value).map(([k, v]) => `${kotlinString(k)} to ${kotlinValue(v)}`);
  return `Value.Structure(mapOf(${entries.join(', ')}))`;
}

/** A Kotlin string literal: JSON escapes plus `\$` so values never interpolate. */
const kotlinString = (value: string): string => quoteString(value).replace(/\$/g, '\\$');

/** PHP source for a JSON value (`['retries' => 3]`, `null`, single-quoted strings). */
function phpLiteral(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(phpLiteral).join(', ')}]`;
  return `[${Object.entries(value)
    .map(([k, v]) => `${phpLiteral(k)} => ${phpLiteral(v)}`)
    .join(', ')}]`;
}

/** Ruby source for a JSON value (`{"retries" => 3}`, `nil`); `#` is escaped so strings never interpolate. */
function rubyLiteral(value: JsonValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return quoteString(value).replace(/#/g, '\\#');
  if (Array.isArray(value)) return `[${value.map(rubyLiteral).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${rubyLiteral(k)} => ${rubyLiteral(v)}`)
    .join(', ')}}`;
}

/** The TypeScript type of the value of the web SDK family's evaluation methods. */
const tsValueType = (facts: FlagFacts): string =>
  facts.flag.type === 'object' ? 'JsonValue' : facts.flag.type === 'number' ? 'number' : facts.flag.type;

export const PLATFORM_GENERATORS = {
  swift: (facts) => {
    const name = camelCaseKey(facts.key);
    const [swiftType, method] = (
      {
        boolean: ['Bool', 'getBooleanValue'],
        string: ['String', 'getStringValue'],
        int: ['Int64', 'getIntegerValue'],
        float: ['Double', 'getDoubleValue'],
        object: ['Value', 'getObjectValue'],
      } as const
    )[numberKind(facts)];
    const def = printDefault(facts, (v) => (typeof v === 'string' ? braceString(v) : JSON.stringify(v)), swiftValue);
    return {
      code: `import OFREP
import OpenFeature

// Apps cannot read the flag file: flagd serves it over OFREP (port 8016); on a device use the host's address.
let provider = OfrepProvider(options: OfrepProviderOptions(endpoint: ${braceString(FLAGD_OFREP_URL)}))
// targetingKey: the user's id (percentage rollouts bucket on it).
let context = MutableContext(targetingKey: ${braceString(EXAMPLE_TARGETING_KEY)}, structure: MutableStructure())
await OpenFeatureAPI.shared.setProviderAndWait(provider: provider, initialContext: context)
let client = OpenFeatureAPI.shared.getClient()

let ${name}: ${swiftType} = client.${method}(key: ${braceString(facts.key)}, defaultValue: ${def})
print(${name})
`,
      install:
        'Swift Package Manager: .package(url: "https://github.com/open-feature/swift-sdk.git", from: "0.3.0") and .package(url: "https://github.com/go-feature-flag/openfeature-swift-provider.git", from: "0.4.0") (product "OFREP")',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        'The OFREP provider polls the bulk evaluation endpoint (every 30 s by default): set the context when the user changes.',
      ],
    };
  },
  kotlin: (facts) => {
    const name = camelCaseKey(facts.key);
    const [kotlinType, method] = (
      {
        boolean: ['Boolean', 'getBooleanValue'],
        string: ['String', 'getStringValue'],
        int: ['Int', 'getIntegerValue'],
        float: ['Double', 'getDoubleValue'],
        object: ['Value', 'getObjectValue'],
      } as const
    )[numberKind(facts)];
    const def = printDefault(facts, (v) => (typeof v === 'string' ? kotlinString(v) : JSON.stringify(v)), kotlinValue);
    const valueImport = facts.flag.type === 'object' ? 'import dev.openfeature.kotlin.sdk.Value\n' : '';
    return {
      code: `import dev.openfeature.kotlin.contrib.providers.ofrep.OfrepProvider
import dev.openfeature.kotlin.contrib.providers.ofrep.bean.OfrepOptions
import dev.openfeature.kotlin.sdk.ImmutableContext
import dev.openfeature.kotlin.sdk.OpenFeatureAPI
${valueImport}import kotlinx.coroutines.runBlocking

fun main(): Unit = runBlocking {
    // Apps cannot read the flag file: flagd serves it over OFREP (port 8016); the Android emulator reaches the host as 10.0.2.2.
    val provider = OfrepProvider(OfrepOptions(endpoint = ${kotlinString(FLAGD_OFREP_URL)}))
    // targetingKey: the user's id (percentage rollouts bucket on it).
    OpenFeatureAPI.setProviderAndWait(provider, initialContext = ImmutableContext(targetingKey = ${kotlinString(EXAMPLE_TARGETING_KEY)}))
    val client = OpenFeatureAPI.getClient()

    val ${name}: ${kotlinType} = client.${method}(${kotlinString(facts.key)}, ${def})
    println(${name})
}
`,
      install:
        'Gradle: implementation("dev.openfeature:kotlin-sdk:0.7.0") and implementation("dev.openfeature.kotlin.contrib.providers:ofrep:0.1.0")',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        'Kotlin SDK releases before 0.6.0 were dev.openfeature:android-sdk with the package dev.openfeature.sdk.',
      ],
    };
  },
  php: (facts) => {
    const name = camelCaseKey(facts.key);
    const method = {
      boolean: 'getBooleanValue',
      string: 'getStringValue',
      int: 'getIntegerValue',
      float: 'getFloatValue',
      object: 'getObjectValue',
    }[numberKind(facts)];
    const def = printDefault(facts, phpLiteral, phpLiteral);
    return {
      code: `<?php

declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';

use GuzzleHttp\\Client;
use GuzzleHttp\\Psr7\\HttpFactory;
use OpenFeature\\OpenFeatureAPI;
use OpenFeature\\Providers\\Flagd\\FlagdProvider;
use OpenFeature\\implementation\\flags\\EvaluationContext;

// PHP evaluates through flagd's HTTP evaluation API (port 8013), serving the compiled flag file.
$httpFactory = new HttpFactory();
$api = OpenFeatureAPI::getInstance();
$api->setProvider(new FlagdProvider([
    'protocol' => 'http',
    'host' => 'localhost',
    'port' => 8013,
    'secure' => false,
    'httpConfig' => [
        'client' => new Client(),
        'requestFactory' => $httpFactory,
        'streamFactory' => $httpFactory,
    ],
]));
$client = $api->getClient('app', '1.0');

// The targeting key is the user's id (percentage rollouts bucket on it).
$${name} = $client->${method}(${phpLiteral(facts.key)}, ${def}, new EvaluationContext(${phpLiteral(EXAMPLE_TARGETING_KEY)}));
var_dump($${name});
`,
      install: 'composer require open-feature/sdk open-feature/flagd-provider guzzlehttp/guzzle',
      notes: [defaultNote(facts, def), flagdDaemonNote(facts, "flagd's HTTP evaluation API")],
    };
  },
  ruby: (facts) => {
    const name = snakeCaseKey(facts.key);
    const method = {
      boolean: 'fetch_boolean_value',
      string: 'fetch_string_value',
      int: 'fetch_integer_value',
      float: 'fetch_float_value',
      object: 'fetch_object_value',
    }[numberKind(facts)];
    const def = printDefault(facts, rubyLiteral, rubyLiteral);
    return {
      code: `require "open_feature/sdk"
require "openfeature/ofrep/provider"

# Ruby evaluates over OFREP: flagd serves the compiled flag file (port 8016).
configuration = OpenFeature::OFREP::Configuration.new(base_url: ${rubyLiteral(FLAGD_OFREP_URL)})
OpenFeature::SDK.configure do |config|
  config.set_provider(OpenFeature::OFREP::Provider.new(configuration: configuration))
end
client = OpenFeature::SDK.build_client

# targeting_key: the user's id (percentage rollouts bucket on it).
context = OpenFeature::SDK::EvaluationContext.new(targeting_key: ${rubyLiteral(EXAMPLE_TARGETING_KEY)})
${name} = client.${method}(flag_key: ${rubyLiteral(facts.key)}, default_value: ${def}, evaluation_context: context)
p ${name}
`,
      install: 'bundle add openfeature-sdk openfeature-ofrep-provider',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        'openfeature-ofrep-provider needs a recent Ruby (3.4 at the time of writing); openfeature-flagd-provider is the gRPC alternative.',
      ],
    };
  },
  rust: (facts) => {
    const name = snakeCaseKey(facts.key);
    const value = facts.defaultValue;
    const [rustType, method, fallback] = (
      {
        boolean: ['bool', 'get_bool_value', `.unwrap_or(${JSON.stringify(value)})`],
        string: [
          'String',
          'get_string_value',
          `.unwrap_or_else(|_| ${braceString(typeof value === 'string' ? value : '')}.to_string())`,
        ],
        int: ['i64', 'get_int_value', `.unwrap_or(${JSON.stringify(value)})`],
        float: ['f64', 'get_float_value', `.unwrap_or(${typeof value === 'number' ? floatText(value) : '0.0'})`],
        // StructValue has no literal syntax: the empty struct stands in; the real default is in the note.
        object: ['StructValue', 'get_struct_value', '.unwrap_or_default()'],
      } as const
    )[numberKind(facts)];
    const shown = facts.flag.type === 'object' ? JSON.stringify(value) : fallback;
    return {
      code: `use open_feature::{EvaluationContext, OpenFeature${facts.flag.type === 'object' ? ', StructValue' : ''}};
use open_feature_flagd::{FlagdOptions, FlagdProvider, ResolverType};

#[tokio::main]
async fn main() {
    // Evaluate in process from the compiled flag file (no flagd daemon); the file is watched for changes.
    let provider = FlagdProvider::new(FlagdOptions {
        resolver_type: ResolverType::File,
        source_configuration: Some(${braceString(facts.path)}.to_string()),
        ..Default::default()
    })
    .await
    .expect("the flag file is readable");
    let mut api = OpenFeature::singleton_mut().await;
    api.set_provider(provider).await;
    let client = api.create_client();

    // The targeting key is the user's id (percentage rollouts bucket on it).
    let context = EvaluationContext::default().with_targeting_key(${braceString(EXAMPLE_TARGETING_KEY)});
    let ${name}: ${rustType} = client
        .${method}(${braceString(facts.key)}, Some(&context), None)
        .await
        ${fallback};
    println!("{:?}", ${name});
}
`,
      install: 'cargo add open-feature open-feature-flagd && cargo add tokio --features full',
      notes: [defaultNote(facts, shown)],
    };
  },
  vue: (facts) => {
    const component = camelCaseKey(facts.key);
    const composable = `use${component[0]!.toUpperCase()}${component.slice(1)}`;
    const type = tsValueType(facts);
    const def = printTsLiteral(facts.defaultValue);
    return {
      code: `import { onScopeDispose, shallowRef, type Ref } from 'vue';
import { OpenFeature, ProviderEvents${type === 'JsonValue' ? ', type JsonValue' : ''} } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

// Browsers cannot read the flag file: serve it with flagd (OFREP on port 8016) and point a web provider at it.
${webProviderSetup()}

const REEVALUATE_ON = [ProviderEvents.Ready, ProviderEvents.ConfigurationChanged, ProviderEvents.ContextChanged];

/** ${quoteString(facts.key, "'")} as a reactive value, re-evaluated when the provider, the flags or the context change. */
export function ${composable}(): Readonly<Ref<${type}>> {
  const client = OpenFeature.getClient();
  const evaluate = (): ${type} => client.get${typeName(facts.flag.type)}Value(${quoteString(facts.key, "'")}, ${def});
  const value = shallowRef(evaluate());
  const update = (): void => {
    value.value = evaluate();
  };
  for (const event of REEVALUATE_ON) client.addHandler(event, update);
  onScopeDispose(() => {
    for (const event of REEVALUATE_ON) client.removeHandler(event, update);
  });
  return value;
}
`,
      install: 'npm install @openfeature/web-sdk @openfeature/ofrep-web-provider',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        `Use it in <script setup>: \`const ${component} = ${composable}()\`, then \`{{ ${component} }}\` in the template.`,
      ],
    };
  },
  angular: (facts) => {
    const name = camelCaseKey(facts.key);
    const className = `${name[0]!.toUpperCase()}${name.slice(1)}Component`;
    const def = printTsLiteral(facts.defaultValue);
    return {
      code: `import { Component, importProvidersFrom, inject, type ApplicationConfig } from '@angular/core';
import { JsonPipe } from '@angular/common';
import { toSignal } from '@angular/core/rxjs-interop';
import { FeatureFlagService, OpenFeatureModule } from '@openfeature/angular-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

// Browsers cannot read the flag file: serve it with flagd (OFREP on port 8016) and point a web provider at it.
export const appConfig: ApplicationConfig = {
  providers: [
    importProvidersFrom(
      OpenFeatureModule.forRoot({
        provider: new OFREPWebProvider({ baseUrl: '${FLAGD_OFREP_URL}' }),
        context: { targetingKey: ${quoteString(EXAMPLE_TARGETING_KEY, "'")} },
      }),
    ),
  ],
};

@Component({
  selector: 'app-${facts.key.replace(/[^A-Za-z0-9-]/g, '-').toLowerCase()}',
  standalone: true,
  imports: [JsonPipe],
  template: \`<pre>{{ ${name}()?.value | json }}</pre>\`,
})
export class ${className} {
  private readonly flags = inject(FeatureFlagService);
  // Emits again when the flag or the evaluation context changes.
  readonly ${name} = toSignal(this.flags.get${typeName(facts.flag.type)}Details(${quoteString(facts.key, "'")}, ${def}));
}
`,
      install: 'npm install @openfeature/angular-sdk @openfeature/web-sdk @openfeature/ofrep-web-provider',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        `Templates can also use the directive: <div *${facts.flag.type}FeatureFlag="'${facts.key}'; default: ${def.replace(/"/g, "'")}">…</div>.`,
      ],
    };
  },
  'react-native': (facts) => {
    const name = camelCaseKey(facts.key);
    const component = name[0]!.toUpperCase() + name.slice(1);
    const def = printTsLiteral(facts.defaultValue);
    return {
      code: `import { Text } from 'react-native';
import { OpenFeature, OpenFeatureProvider, use${typeName(facts.flag.type)}FlagValue } from '@openfeature/react-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

// Apps cannot read the flag file: flagd serves it over OFREP (port 8016); the Android emulator reaches the host as 10.0.2.2.
${webProviderSetup()}

export function ${component}() {
  const ${name} = use${typeName(facts.flag.type)}FlagValue(${quoteString(facts.key, "'")}, ${def});
  return <Text>{JSON.stringify(${name})}</Text>;
}

export function App() {
  return (
    <OpenFeatureProvider>
      <${component} />
    </OpenFeatureProvider>
  );
}
`,
      install:
        'npm install @openfeature/react-sdk @openfeature/web-sdk @openfeature/core @openfeature/ofrep-web-provider',
      notes: [
        defaultNote(facts, def),
        flagdDaemonNote(facts, 'OFREP'),
        'The OFREP web provider only needs fetch, which React Native provides; hooks re-render when the flag changes.',
      ],
    };
  },
} satisfies Record<string, Generator>;

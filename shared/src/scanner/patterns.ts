/**
 * Built-in call patterns of the supported SDKs. OpenFeature is always on; the other presets are switched on per
 * repo in `.rollgate/scanner.yaml` because their method names (`variation`, `isEnabled`, `isOn`) are generic.
 */
import type { CallPattern, SdkPreset } from './types.ts';

type PatternSpec = Omit<CallPattern, 'sdk'>;

const openFeatureTyped = (['boolean', 'string', 'number', 'object'] as const).flatMap((type): PatternSpec[] => {
  const name = type[0]!.toUpperCase() + type.slice(1);
  return [
    {
      function: `get${name}Value`,
      keyArgument: 0,
      defaultArgument: 1,
      callKind: type,
      valueType: type,
      returns: 'value',
    },
    {
      function: `get${name}Details`,
      keyArgument: 0,
      defaultArgument: 1,
      callKind: 'details',
      valueType: type,
      returns: 'details',
    },
    {
      function: `use${name}FlagValue`,
      keyArgument: 0,
      defaultArgument: 1,
      callKind: 'hook',
      valueType: type,
      returns: 'value',
    },
    {
      function: `use${name}FlagDetails`,
      keyArgument: 0,
      defaultArgument: 1,
      callKind: 'hook',
      valueType: type,
      returns: 'details',
    },
  ];
});

/** OpenFeature server/web SDK client methods and React SDK hooks (`useFlag` returns details). */
const OPENFEATURE: readonly PatternSpec[] = [
  ...openFeatureTyped,
  { function: 'useFlag', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'details' },
  { function: 'useSuspenseFlag', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'details' },
];

/**
 * LaunchDarkly server (`variation(key, context, default)`) and client (`variation(key, default)`) SDKs: the
 * default is the last argument in both.
 */
const LAUNCHDARKLY: readonly PatternSpec[] = [
  { function: 'variation', keyArgument: 0, defaultArgument: 'last', callKind: 'unknown', returns: 'value' },
  { function: 'variationDetail', keyArgument: 0, defaultArgument: 'last', callKind: 'details', returns: 'details' },
  ...(['bool', 'string', 'number', 'json'] as const).flatMap((prefix): PatternSpec[] => {
    const valueType = prefix === 'bool' ? 'boolean' : prefix === 'json' ? 'object' : prefix;
    const callKind = valueType;
    return [
      {
        function: `${prefix}Variation`,
        keyArgument: 0,
        defaultArgument: 'last',
        callKind,
        valueType,
        returns: 'value',
      },
      {
        function: `${prefix}VariationDetail`,
        keyArgument: 0,
        defaultArgument: 'last',
        callKind: 'details',
        valueType,
        returns: 'details',
      },
    ];
  }),
];

/** Unleash Node/browser SDKs (`isEnabled(name, context?, fallback?)`, `getVariant`) and React hooks. */
const UNLEASH: readonly PatternSpec[] = [
  { function: 'isEnabled', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
  { function: 'getVariant', keyArgument: 0, callKind: 'object', returns: 'other' },
  { function: 'useFlag', keyArgument: 0, callKind: 'hook', valueType: 'boolean', returns: 'value' },
  { function: 'useVariant', keyArgument: 0, callKind: 'hook', returns: 'other' },
];

/** GrowthBook JS SDK (`isOn`, `isOff`, `getFeatureValue(key, fallback)`, `evalFeature`) and React hooks. */
const GROWTHBOOK: readonly PatternSpec[] = [
  { function: 'isOn', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
  { function: 'isOff', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
  { function: 'getFeatureValue', keyArgument: 0, defaultArgument: 1, callKind: 'unknown', returns: 'value' },
  { function: 'evalFeature', keyArgument: 0, callKind: 'details', returns: 'details' },
  { function: 'useFeatureIsOn', keyArgument: 0, callKind: 'hook', valueType: 'boolean', returns: 'value' },
  { function: 'useFeatureValue', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'value' },
  { function: 'useFeature', keyArgument: 0, callKind: 'hook', returns: 'details' },
];

const PRESETS: Readonly<Record<SdkPreset, readonly PatternSpec[]>> = {
  launchdarkly: LAUNCHDARKLY,
  unleash: UNLEASH,
  growthbook: GROWTHBOOK,
};

/** The SDK presets that can be switched on, in a stable order. */
export const SDK_PRESETS: readonly SdkPreset[] = ['launchdarkly', 'unleash', 'growthbook'];

/**
 * The patterns to scan for: OpenFeature (always), then the given presets, then user-declared wrappers.
 * When a preset reuses an OpenFeature name (Unleash `useFlag`), the later pattern wins for that name.
 */
export function createPatterns(
  presets: readonly SdkPreset[] = [],
  wrappers: readonly CallPattern[] = [],
): CallPattern[] {
  return [
    ...OPENFEATURE.map((p): CallPattern => ({ ...p, sdk: 'openfeature' })),
    ...presets.flatMap((sdk) => PRESETS[sdk].map((p): CallPattern => ({ ...p, sdk }))),
    ...wrappers,
  ];
}

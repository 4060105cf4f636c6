/**
 * LaunchDarkly server (`variation(key, context, default)`) and client (`variation(key, default)`) SDKs, whose
 * default is the last argument in both, and the React SDK: `useFlags()` and `withLDConsumer()` give a map of
 * camel-cased keys (`my-flag` → `myFlag`).
 */
import type { CallSpec, Preset } from './preset.ts';

const typed = (['bool', 'string', 'number', 'json'] as const).flatMap((prefix): CallSpec[] => {
  const valueType = prefix === 'bool' ? 'boolean' : prefix === 'json' ? 'object' : prefix;
  const base = { keyArgument: 0, defaultArgument: 'last', valueType } as const;
  return [
    { ...base, function: `${prefix}Variation`, callKind: valueType, returns: 'value' },
    { ...base, function: `${prefix}VariationDetail`, callKind: 'details', returns: 'details' },
  ];
});

export const LAUNCHDARKLY: Preset = {
  sdk: 'launchdarkly',
  packages: [
    '@launchdarkly/*',
    'launchdarkly-node-server-sdk',
    'launchdarkly-js-client-sdk',
    'launchdarkly-react-client-sdk',
    'launchdarkly-react-native-client-sdk',
  ],
  calls: [
    { function: 'variation', keyArgument: 0, defaultArgument: 'last', callKind: 'unknown', returns: 'value' },
    { function: 'variationDetail', keyArgument: 0, defaultArgument: 'last', callKind: 'details', returns: 'details' },
    ...typed,
  ],
  flagObjects: [
    { function: 'useFlags', camelCaseKeys: true },
    { function: 'withLDConsumer', prop: 'flags', camelCaseKeys: true },
  ],
};

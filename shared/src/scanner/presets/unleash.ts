/** Unleash Node/browser SDKs (`isEnabled(name, context?, fallback?)`, `getVariant`) and React hooks. */
import type { Preset } from './preset.ts';

export const UNLEASH: Preset = {
  sdk: 'unleash',
  packages: ['unleash-client', 'unleash-proxy-client', '@unleash/*'],
  calls: [
    { function: 'isEnabled', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
    { function: 'getVariant', keyArgument: 0, callKind: 'object', returns: 'other' },
    { function: 'useFlag', keyArgument: 0, callKind: 'hook', valueType: 'boolean', returns: 'value' },
    { function: 'useVariant', keyArgument: 0, callKind: 'hook', returns: 'other' },
  ],
};

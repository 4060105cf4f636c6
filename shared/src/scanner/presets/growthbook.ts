/** GrowthBook JS SDK (`isOn`, `isOff`, `getFeatureValue(key, fallback)`, `evalFeature`), React hooks and `<IfFeatureEnabled feature>`. */
import type { Preset } from './preset.ts';

export const GROWTHBOOK: Preset = {
  sdk: 'growthbook',
  packages: ['@growthbook/*'],
  calls: [
    { function: 'isOn', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
    { function: 'isOff', keyArgument: 0, callKind: 'boolean', valueType: 'boolean', returns: 'value' },
    { function: 'getFeatureValue', keyArgument: 0, defaultArgument: 1, callKind: 'unknown', returns: 'value' },
    { function: 'evalFeature', keyArgument: 0, callKind: 'details', returns: 'details' },
    { function: 'useFeatureIsOn', keyArgument: 0, callKind: 'hook', valueType: 'boolean', returns: 'value' },
    { function: 'useFeatureValue', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'value' },
    { function: 'useFeature', keyArgument: 0, callKind: 'hook', returns: 'details' },
  ],
  components: [
    { component: 'IfFeatureEnabled', keyAttribute: 'feature' },
    { component: 'FeatureString', keyAttribute: 'feature' },
  ],
};

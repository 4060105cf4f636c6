/**
 * Flagsmith: `hasFeature(key)`, `getValue(key)` (web), `isFeatureEnabled(key)`, `getFeatureValue(key)` (Node flags
 * object), and React `useFlags(['a', 'b'])` whose list holds keys and whose result is keyed by them.
 */
import { call, type Preset } from './preset.ts';

export const FLAGSMITH: Preset = {
  sdk: 'flagsmith',
  packages: ['flagsmith', 'flagsmith-nodejs', 'flagsmith-es', 'react-native-flagsmith'],
  calls: [
    call('hasFeature', 0, { callKind: 'boolean', valueType: 'boolean' }),
    call('getValue', 0),
    call('isFeatureEnabled', 0, { callKind: 'boolean', valueType: 'boolean' }),
    call('getFeatureValue', 0),
    call('useFlags', 0, { callKind: 'hook', returns: 'other', keyList: true }),
  ],
  flagObjects: [{ function: 'useFlags', camelCaseKeys: false }],
};

/**
 * VWO: FME SDKs `getFlag(featureKey, context)` and React `useGetFlag(featureKey, context)`; the classic Node SDK
 * `isFeatureEnabled(campaignKey, userId)`, `getFeatureVariableValue(campaignKey, variableKey, userId)`,
 * `activate(campaignKey, userId)`, `getVariationName(campaignKey, userId)`.
 */
import { call, type Preset } from './preset.ts';

export const VWO: Preset = {
  sdk: 'vwo',
  packages: ['vwo-fme-node-sdk', 'vwo-fme-react-sdk', 'vwo-node-sdk', 'vwo-javascript-sdk'],
  calls: [
    call('getFlag', 0, { callKind: 'object', returns: 'other' }),
    call('useGetFlag', 0, { callKind: 'hook', returns: 'other' }),
    call('isFeatureEnabled', 0, { callKind: 'boolean', valueType: 'boolean' }),
    call('getFeatureVariableValue', 0),
    call('activate', 0, { returns: 'other' }),
    call('getVariationName', 0, { callKind: 'string', valueType: 'string' }),
  ],
};

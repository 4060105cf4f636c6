/**
 * PostHog: `isFeatureEnabled(key, distinctId?)`, `getFeatureFlag(key, …)`, `getFeatureFlagPayload(key, …)` (web
 * and Node), React hooks `useFeatureFlagEnabled(key)`, … and `<PostHogFeature flag>`.
 */
import { call, type Preset } from './preset.ts';

export const POSTHOG: Preset = {
  sdk: 'posthog',
  packages: ['posthog-js', 'posthog-node', 'posthog-react-native', '@posthog/*'],
  calls: [
    call('isFeatureEnabled', 0, { callKind: 'boolean', valueType: 'boolean' }),
    call('getFeatureFlag', 0),
    call('getFeatureFlagPayload', 0, { callKind: 'object', returns: 'other' }),
    call('useFeatureFlagEnabled', 0, { callKind: 'hook', valueType: 'boolean' }),
    call('useFeatureFlagVariantKey', 0, { callKind: 'hook' }),
    call('useFeatureFlagPayload', 0, { callKind: 'hook', returns: 'other' }),
  ],
  components: [{ component: 'PostHogFeature', keyAttribute: 'flag' }],
};

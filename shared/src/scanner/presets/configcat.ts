/** ConfigCat: `getValueAsync(key, default, user?)`, `getValue(key, default, callback)`, details variants, React `useFeatureFlag(key, default)`. */
import { call, type Preset } from './preset.ts';

export const CONFIGCAT: Preset = {
  sdk: 'configcat',
  packages: [
    'configcat-node',
    'configcat-js',
    'configcat-js-ssr',
    'configcat-react',
    'configcat-common',
    '@configcat/*',
  ],
  calls: [
    call('getValueAsync', 0, { defaultArgument: 1 }),
    call('getValue', 0, { defaultArgument: 1 }),
    call('getValueDetailsAsync', 0, { defaultArgument: 1, callKind: 'details', returns: 'details' }),
    call('getValueDetails', 0, { defaultArgument: 1, callKind: 'details', returns: 'details' }),
    call('useFeatureFlag', 0, { defaultArgument: 1, callKind: 'hook', returns: 'other' }),
  ],
};

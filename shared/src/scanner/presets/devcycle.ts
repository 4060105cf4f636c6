/**
 * DevCycle: the Node server SDK takes the user first (`variableValue(user, key, default)`), the JS client SDK the
 * key first (`variableValue(key, default)`); React `useVariableValue(key, default)`, `useVariable`.
 */
import { call, type Preset } from './preset.ts';

const SERVER = ['@devcycle/nodejs-server-sdk'];
const CLIENT = [
  '@devcycle/js-client-sdk',
  '@devcycle/react-client-sdk',
  '@devcycle/nextjs-sdk',
  '@devcycle/react-native-client-sdk',
];

export const DEVCYCLE: Preset = {
  sdk: 'devcycle',
  packages: ['@devcycle/*'],
  calls: [
    ...['variable', 'variableValue'].flatMap((fn) => [
      call(fn, 0, { defaultArgument: 1, packages: CLIENT }),
      call(fn, 1, { defaultArgument: 2, packages: SERVER }),
    ]),
    call('useVariableValue', 0, { defaultArgument: 1, callKind: 'hook' }),
    call('useVariable', 0, { defaultArgument: 1, callKind: 'hook', returns: 'other' }),
  ],
};

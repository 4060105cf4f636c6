/**
 * Statsig: the server SDKs take the user first (`checkGate(user, gate)`), the client SDKs the name first
 * (`client.checkGate(gate)`); React bindings `useGateValue(gate)`, `useFeatureGate`, `useExperiment`, ….
 */
import { call, type Preset } from './preset.ts';

const CLIENT = ['statsig-js', 'statsig-react', 'statsig-react-native', '@statsig/*'];
const SERVER = ['statsig-node', 'statsig-node-lite', '@statsig/statsig-node-core'];
const NAMED = ['checkGate', 'getFeatureGate', 'getExperiment', 'getConfig', 'getDynamicConfig', 'getLayer'];
const gate = (fn: string) => (fn === 'checkGate' ? ({ callKind: 'boolean', valueType: 'boolean' } as const) : {});

export const STATSIG: Preset = {
  sdk: 'statsig',
  packages: [...CLIENT, ...SERVER],
  calls: [
    ...NAMED.map((fn) => call(fn, 0, { ...gate(fn), packages: CLIENT })),
    ...NAMED.map((fn) => call(fn, 1, { ...gate(fn), packages: SERVER })),
    call('useGateValue', 0, { callKind: 'hook', valueType: 'boolean' }),
    ...['useFeatureGate', 'useGate', 'useExperiment', 'useDynamicConfig', 'useConfig', 'useLayer'].map((fn) =>
      call(fn, 0, { callKind: 'hook', returns: 'other' }),
    ),
  ],
};

/** OpenFeature server/web SDK client methods and React SDK hooks (`useFlag` returns details). Always on. */
import type { CallSpec, Preset } from './preset.ts';

const typed = (['boolean', 'string', 'number', 'object'] as const).flatMap((type): CallSpec[] => {
  const name = type[0]!.toUpperCase() + type.slice(1);
  const base = { keyArgument: 0, defaultArgument: 1, valueType: type } as const;
  return [
    { ...base, function: `get${name}Value`, callKind: type, returns: 'value' },
    { ...base, function: `get${name}Details`, callKind: 'details', returns: 'details' },
    { ...base, function: `use${name}FlagValue`, callKind: 'hook', returns: 'value' },
    { ...base, function: `use${name}FlagDetails`, callKind: 'hook', returns: 'details' },
  ];
});

export const OPENFEATURE: Preset = {
  sdk: 'openfeature',
  packages: ['@openfeature/*'],
  calls: [
    ...typed,
    { function: 'useFlag', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'details' },
    { function: 'useSuspenseFlag', keyArgument: 0, defaultArgument: 1, callKind: 'hook', returns: 'details' },
  ],
};

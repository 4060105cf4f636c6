import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flagEntryOffset, keyArgumentAt } from '../../src/logic/key-completion.ts';

const functions = new Set(['getBooleanValue', 'useBooleanFlagValue']);

describe('keyArgumentAt', () => {
  const cases: [string, string, { callee: string; prefix: string } | undefined][] = [
    ['React hook, empty key', "const on = useBooleanFlagValue('", { callee: 'useBooleanFlagValue', prefix: '' }],
    [
      'client method, typed prefix',
      'await client.getBooleanValue("new-ch',
      { callee: 'getBooleanValue', prefix: 'new-ch' },
    ],
    ['generic type argument', 'client.getBooleanValue<boolean>(`ne', { callee: 'getBooleanValue', prefix: 'ne' }],
    ['not an evaluation call', "console.log('", undefined],
    ['second argument', "client.getBooleanValue('a', '", undefined],
    ['outside the string', "client.getBooleanValue('a')", undefined],
  ];
  for (const [name, line, expected] of cases) {
    it(name, () => {
      const found = keyArgumentAt(line, line.length, functions);
      assert.deepEqual(found && { callee: found.callee, prefix: found.prefix }, expected);
      if (found) assert.equal(line.slice(found.start), found.prefix);
    });
  }
});

describe('flagEntryOffset', () => {
  const yaml = 'flags:\n  - key: new-checkout\n    name: x\n  - key: "old-banner"\n';
  it('points at the key line of the flag', () => {
    assert.equal(yaml.slice(flagEntryOffset(yaml, 'old-banner')), 'key: "old-banner"\n');
  });
  it('does not match a key that only starts the same', () => assert.equal(flagEntryOffset(yaml, 'new'), undefined));
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, suggestNearest } from '../../src/flags/suggest.ts';

describe('suggestNearest', () => {
  const keys = ['new-checkout', 'dark-mode', 'search-v2', 'staging', 'production'];
  const cases: [string, string[], string | undefined][] = [
    ['new-chekout', keys, 'new-checkout'],
    ['DARK-MODE', keys, 'dark-mode'],
    ['serch-v2', keys, 'search-v2'],
    ['prod', keys, undefined], // 6 edits: not a typo
    ['completely-different', keys, undefined],
    ['x', ['y'], undefined], // replacing the whole key is no suggestion
    ['abc', [], undefined],
    ['search-v3', ['search-v4', 'search-v2'], 'search-v2'], // tie → alphabetical, independent of order
    ['search-v3', ['search-v2', 'search-v4'], 'search-v2'],
    ['dark-mode', keys, 'dark-mode'],
    // Across case and separators: the same words are 0 edits apart.
    ['automated-actions', ['automatedActions', 'automation'], 'automatedActions'],
    ['automatedActions', ['automated-actions'], 'automated-actions'],
    ['AUTOMATED_ACTIONS', ['automated.actions', 'automatedActionz'], 'automated.actions'],
    ['darkMode', ['dark-mode', 'darkmode'], 'darkmode'], // tie on words → closest as written
    ['automatedActions', ['automated-actions', 'automatedActions'], 'automatedActions'], // exact wins
  ];
  for (const [input, candidates, expected] of cases) {
    it(`${input} → ${String(expected)}`, () => assert.equal(suggestNearest(input, candidates), expected));
  }

  it('phrases the hint', () => {
    assert.equal(didYouMean('stagin', keys), 'Did you mean "staging"?');
    assert.equal(didYouMean('zzz', keys), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lineEdits, type TextEdit } from '../../src/logic/text-edits.ts';

function apply(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

describe('lineEdits', () => {
  const cases: [string, string, string, number][] = [
    ['identical', 'a\nb\n', 'a\nb\n', 0],
    ['one line replaced', 'a\nb\nc\n', 'a\nB\nc\n', 1],
    ['lines removed in two places', 'a\nb\nc\nd\ne\n', 'a\nc\ne\n', 2],
    ['lines added at the end', 'a\n', 'a\nb\nc\n', 1],
    ['everything replaced', 'x\ny\n', 'z\n', 1],
    ['no trailing newline', 'if (on) {\n  go();\n}', 'go();', 1],
  ];
  for (const [name, before, after, count] of cases) {
    it(name, () => {
      const edits = lineEdits(before, after);
      assert.equal(apply(before, edits), after);
      assert.equal(edits.length, count);
    });
  }
});

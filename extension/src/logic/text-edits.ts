/** Minimal edits between two texts, so a workspace edit previews hunk by hunk instead of replacing whole files. */
import { diffLines } from 'diff';

/** Replace `[start, end)` of the old text (offsets) with `text`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Line-level edits that turn `before` into `after`; applying them in order (offsets of `before`) gives `after`. */
export function lineEdits(before: string, after: string): TextEdit[] {
  const edits: TextEdit[] = [];
  let offset = 0;
  let pending: { start: number; end: number; text: string } | undefined;
  const flush = (): void => {
    if (pending) edits.push(pending);
    pending = undefined;
  };
  for (const part of diffLines(before, after)) {
    if (part.added) {
      pending ??= { start: offset, end: offset, text: '' };
      pending.text += part.value;
    } else if (part.removed) {
      pending ??= { start: offset, end: offset, text: '' };
      offset += part.value.length;
      pending.end = offset;
    } else {
      flush();
      offset += part.value.length;
    }
  }
  flush();
  return edits;
}

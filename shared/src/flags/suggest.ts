/**
 * "Did you mean …?" suggestions for mistyped keys (flags, environments, variants), shared by the operations and
 * the scanner. Edit distance comes from `fastest-levenshtein` (a maintained, dependency-free Myers bit-vector
 * implementation) rather than a hand-written loop.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input`, or `undefined` when none is close enough to be a plausible typo. Keys are
 * compared by Levenshtein edit distance on their normalized form (lowercase, without the separators `-`, `_`, `.`,
 * space), so `automatedActions`, `automated-actions` and `AUTOMATED_ACTIONS` are 0 edits apart; ties go to the
 * candidate closest as written (case-insensitive), then the alphabetically first, so the answer does not depend on
 * the order of `candidates`. At most `max(2, ⌊input.length / 3⌋)` edits, and fewer edits than the candidate's own
 * length (so `x` never "suggests" `y`). An exact match is returned as is. Never throws.
 */
export function suggestNearest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  const needle = normalizeKey(input);
  const maxDistance = Math.max(2, Math.floor(lower.length / 3));
  let best: { candidate: string; distance: number; raw: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(needle, normalizeKey(candidate));
    if (d > maxDistance || d >= Math.max(candidate.length, 1)) continue;
    const raw = distance(lower, candidate.toLowerCase());
    if (
      !best ||
      d < best.distance ||
      (d === best.distance && (raw < best.raw || (raw === best.raw && candidate < best.candidate)))
    ) {
      best = { candidate, distance: d, raw };
    }
  }
  return best?.candidate;
}

/** A key without case and word separators: `automated-actions`, `automatedActions` → `automatedactions`. */
function normalizeKey(key: string): string {
  const stripped = key.toLowerCase().replace(/[-_.\s]+/g, '');
  return stripped === '' ? key.toLowerCase() : stripped;
}

/** `Did you mean "x"?` for {@link suggestNearest}'s answer, or `undefined` when there is none. Never throws. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const nearest = suggestNearest(input, candidates);
  return nearest === undefined ? undefined : `Did you mean "${nearest}"?`;
}

/**
 * "Did you mean …?" suggestions for mistyped keys (flags, environments, variants), shared by the operations and
 * the scanner. Edit distance comes from `fastest-levenshtein` (a maintained, dependency-free Myers bit-vector
 * implementation) rather than a hand-written loop.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input` by Levenshtein edit distance (case-insensitive), or `undefined` when none is
 * close enough to be a plausible typo: at most `max(2, ⌊input.length / 3⌋)` edits, and fewer edits than the
 * candidate's own length (so `x` never "suggests" `y`). Ties go to the alphabetically first candidate, so the
 * answer does not depend on the order of `candidates`. An exact match is returned as is. Never throws.
 */
export function suggestNearest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  const maxDistance = Math.max(2, Math.floor(needle.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(needle, candidate.toLowerCase());
    if (d > maxDistance || d >= Math.max(candidate.length, 1)) continue;
    if (!best || d < best.distance || (d === best.distance && candidate < best.candidate)) {
      best = { candidate, distance: d };
    }
  }
  return best?.candidate;
}

/** `Did you mean "x"?` for {@link suggestNearest}'s answer, or `undefined` when there is none. Never throws. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const nearest = suggestNearest(input, candidates);
  return nearest === undefined ? undefined : `Did you mean "${nearest}"?`;
}

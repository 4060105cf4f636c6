/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of JavaScript strings, without allocating: code points are encoded to
 * UTF-8 on the fly and fed into the 32-bit block mixer. Lone surrogates are encoded as U+FFFD, as TextEncoder does.
 * flagd hashes `flagKey + targetingKey`; {@link createPrefixHasher} hashes the constant flag-key prefix once.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// The running state of the one hash in progress. Evaluation is synchronous, so a single module-level state is safe
// and keeps the hot path free of allocations.
let h1 = 0;
let k1 = 0;
let shift = 0;
let length = 0;

function pushByte(byte: number): void {
  k1 |= byte << shift;
  length++;
  shift += 8;
  if (shift === 32) {
    let k = Math.imul(k1, C1);
    k = (k << 15) | (k >>> 17);
    h1 ^= Math.imul(k, C2);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    k1 = 0;
    shift = 0;
  }
}

function pushString(text: string): void {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      pushByte(c);
      continue;
    }
    if (c < 0x800) {
      pushByte(0xc0 | (c >> 6));
      pushByte(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        pushByte(0xf0 | (cp >> 18));
        pushByte(0x80 | ((cp >> 12) & 0x3f));
        pushByte(0x80 | ((cp >> 6) & 0x3f));
        pushByte(0x80 | (cp & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    pushByte(0xe0 | (c >> 12));
    pushByte(0x80 | ((c >> 6) & 0x3f));
    pushByte(0x80 | (c & 0x3f));
  }
}

function finish(): number {
  let h = h1;
  if (shift > 0) {
    let k = Math.imul(k1, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86_32 of the UTF-8 encoding of `text`; returns an unsigned 32-bit integer. */
export function murmur3Utf8(text: string, seed = 0): number {
  h1 = seed | 0;
  k1 = 0;
  shift = 0;
  length = 0;
  pushString(text);
  return finish();
}

/**
 * Returns a function hashing `prefix + suffix` (UTF-8, seed 0) that processes `prefix` only once, here.
 * Equal to `murmur3Utf8(prefix + suffix)` without building the concatenated string.
 */
export function createPrefixHasher(prefix: string): (suffix: string) => number {
  murmur3Utf8(prefix);
  const savedH1 = h1;
  const savedK1 = k1;
  const savedShift = shift;
  const savedLength = length;
  return (suffix) => {
    h1 = savedH1;
    k1 = savedK1;
    shift = savedShift;
    length = savedLength;
    pushString(suffix);
    return finish();
  };
}

/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of JavaScript strings, without allocating: code points are encoded to
 * UTF-8 on the fly and fed into the 32-bit block mixer. Lone surrogates are encoded as U+FFFD, as TextEncoder does.
 * flagd hashes `flagKey + targetingKey`; {@link createPrefixHasher} hashes the constant flag-key prefix once.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * Feeds the UTF-8 bytes of `text` into a hash state (`h`, pending block `k` holding `shift` bits, `length` bytes so
 * far) and returns the finished hash — or, given `out`, stores the state there and returns 0. All state is local.
 */
function run(text: string, h: number, k: number, shift: number, length: number, out?: number[]): number {
  const n = text.length;
  let i = 0;
  // Fast path: runs of four ASCII characters are one 32-bit word each, merged into the pending block at its fill
  // (`shift` bits). A tight loop of its own, left at the first non-ASCII character.
  const carry = 32 - shift;
  while (i + 4 <= n) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    const word = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    let block = shift === 0 ? word : k | (word << shift);
    k = shift === 0 ? 0 : word >>> carry;
    block = Math.imul(block, C1);
    block = (block << 15) | (block >>> 17);
    h ^= Math.imul(block, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    i += 4;
  }
  length += i;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    let bytes: number;
    let count: number;
    if (c < 0x80) {
      bytes = c;
      count = 1;
    } else if (c < 0x800) {
      bytes = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          cp = 0xfffd;
        }
      }
      if (cp < 0x10000) {
        bytes = 0xe0 | (cp >> 12) | ((0x80 | ((cp >> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
        count = 3;
      } else {
        bytes =
          0xf0 |
          (cp >> 18) |
          ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
          ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
          ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
      }
    }
    for (let j = 0; j < count; j++) {
      k |= (bytes & 0xff) << shift;
      bytes >>>= 8;
      length++;
      shift += 8;
      if (shift === 32) {
        k = Math.imul(k, C1);
        k = (k << 15) | (k >>> 17);
        h ^= Math.imul(k, C2);
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
        k = 0;
        shift = 0;
      }
    }
  }
  if (out) {
    out.push(h, k, shift, length);
    return 0;
  }
  if (shift > 0) {
    k = Math.imul(k, C1);
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
  return run(text, seed | 0, 0, 0, 0);
}

/**
 * Returns a function hashing `prefix + suffix` (UTF-8, seed 0) that processes `prefix` only once, here.
 * Equal to `murmur3Utf8(prefix + suffix)` without building the concatenated string.
 */
export function createPrefixHasher(prefix: string): (suffix: string) => number {
  const last = prefix.charCodeAt(prefix.length - 1);
  // A trailing high surrogate may pair with the suffix's first character: only the concatenation encodes that right.
  if (last >= 0xd800 && last <= 0xdbff) return (suffix) => murmur3Utf8(prefix + suffix);
  const state: number[] = [];
  run(prefix, 0, 0, 0, 0, state);
  const [h, k, shift, length] = state as [number, number, number, number];
  return (suffix) => run(suffix, h, k, shift, length);
}

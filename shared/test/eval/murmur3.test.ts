import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrefixHasher, murmur3Utf8 } from '../../src/eval/murmur3.ts';
import { bucketOf } from '../../src/eval/flagd-operators.ts';
import { createRandom } from '../../src/random.ts';

/** A plain byte-wise MurmurHash3 x86_32 over Buffer's UTF-8 encoding: the oracle for the streaming version. */
function reference(text: string, seed = 0): number {
  const bytes = Buffer.from(text, 'utf8');
  let h = seed | 0;
  const mix = (k: number): number =>
    Math.imul((Math.imul(k, 0xcc9e2d51) << 15) | (Math.imul(k, 0xcc9e2d51) >>> 17), 0x1b873593);
  const blocks = bytes.length - (bytes.length % 4);
  for (let i = 0; i < blocks; i += 4) {
    h ^= mix(bytes.readInt32LE(i));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= blocks; i--) tail = (tail << 8) | (bytes[i] as number);
  if (bytes.length > blocks) h ^= mix(tail);
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ALPHABET = ['a', 'Z', '0', '-', '@', '.', 'é', 'ß', 'π', '€', '中', '😀', '\u{10ffff}', '\0', '\ud800', '\udc00'];

function randomString(next: () => number): string {
  let out = '';
  const length = Math.floor(next() * 24);
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

test('murmur3Utf8 matches the SMHasher-derived vectors (seeded and unseeded, tails, UTF-8)', () => {
  const vectors: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['\0\0\0', 0, 0x85f0b427],
    ['\0\0', 0, 0x30f4c306],
    ['\0', 0, 0x514e28b7],
    ['!Ce', 0, 0x7e4a8634],
    ['!C', 0, 0xa0f7b07a],
    ['!', 0, 0x72661cf4],
    ['hello', 0, 0x248bfa47],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ];
  for (const [text, seed, expected] of vectors) {
    assert.equal(murmur3Utf8(text, seed), expected, JSON.stringify(text));
  }
});

test('murmur3Utf8 hashes the UTF-8 bytes (random strings against a byte-wise reference)', () => {
  const next = createRandom(42);
  for (let i = 0; i < 2000; i++) {
    const text = randomString(next);
    assert.equal(murmur3Utf8(text), reference(text), JSON.stringify(text));
  }
});

test('lone surrogates hash as U+FFFD, like TextEncoder', () => {
  assert.equal(murmur3Utf8('a\ud800b'), murmur3Utf8('a\ufffdb'));
  assert.equal(murmur3Utf8('\udc00'), murmur3Utf8('\ufffd'));
  assert.equal(murmur3Utf8('x\ud83d'), reference('x\ud83d'));
});

test('createPrefixHasher(prefix)(suffix) equals murmur3Utf8(prefix + suffix) at every prefix alignment', () => {
  const next = createRandom(7);
  for (let i = 0; i < 500; i++) {
    const prefix = randomString(next);
    const hash = createPrefixHasher(prefix);
    for (let j = 0; j < 4; j++) {
      const suffix = randomString(next);
      assert.equal(hash(suffix), murmur3Utf8(prefix + suffix), JSON.stringify([prefix, suffix]));
    }
  }
});

test('bucketOf computes floor(hash × weight / 2^32) exactly, also beyond 2^53', () => {
  const next = createRandom(99);
  const weights = [1, 100, 0x200000, 0x200001, 1e9, 2147483647];
  for (let i = 0; i < 3000; i++) {
    const hash = i < 4 ? [0, 1, 0xffffffff, 0x80000000][i]! : Math.floor(next() * 4294967296);
    const weight = weights[i % weights.length]!;
    const expected = Number((BigInt(hash) * BigInt(weight)) >> 32n);
    assert.equal(bucketOf(hash, weight), expected, `${hash} × ${weight}`);
  }
});

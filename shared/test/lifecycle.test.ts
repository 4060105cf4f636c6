// WatchedEmitter: the source runs exactly while someone listens, and never again after dispose.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchedEmitter } from '../src/lifecycle.ts';

function counting(): { starts: number; stops: number; emitter: WatchedEmitter<number, { dispose(): void }> } {
  const state = {
    starts: 0,
    stops: 0,
    emitter: new WatchedEmitter<number, { dispose(): void }>(() => {
      state.starts++;
      return { dispose: () => state.stops++ };
    }),
  };
  return state;
}

describe('WatchedEmitter', () => {
  it('starts the source with the first listener, stops it with the last, restarts with a new one', () => {
    const state = counting();
    const { emitter } = state;
    assert.equal(emitter.watching, undefined);
    const seen: number[] = [];
    const a = emitter.event((e) => seen.push(e));
    const b = emitter.event((e) => seen.push(e * 10));
    assert.deepEqual([state.starts, state.stops], [1, 0]);
    assert.ok(emitter.watching);
    emitter.fire(1);
    a.dispose();
    a.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1, 10, 20]);
    assert.deepEqual([state.starts, state.stops], [1, 0]);
    b.dispose();
    assert.deepEqual([state.starts, state.stops], [1, 1]);
    assert.equal(emitter.watching, undefined);
    emitter.event(() => {}).dispose();
    assert.deepEqual([state.starts, state.stops], [2, 2]);
  });

  it('dispose stops the source and drops listeners; later listeners start nothing', () => {
    const state = counting();
    const seen: number[] = [];
    const subscription = state.emitter.event((e) => seen.push(e));
    state.emitter.dispose();
    state.emitter.dispose();
    state.emitter.fire(1);
    subscription.dispose();
    state.emitter.event((e) => seen.push(e));
    assert.deepEqual(seen, []);
    assert.deepEqual([state.starts, state.stops], [1, 1]);
  });
});

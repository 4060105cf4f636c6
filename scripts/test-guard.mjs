// A node:test reporter that catches a silently truncated run: every test a file queued must report pass or fail.
// A test file whose process ends early with status 0 (process.exit in code under test, a forced exit) drops its
// remaining tests without a failure; node's own summary then still says `fail 0`. This reporter writes one line per
// dropped test and a last `complete` line to its destination; scripts/test.mjs fails the run unless it finds that line
// and no dropped test.

/** @param {{ file?: string, nesting: number, name: string }} data */
function keyOf(data) {
  return `${data.file ?? '?'}\u0000${data.nesting}\u0000${data.name}`;
}

/** @param {AsyncIterable<{ type: string, data: { file?: string, nesting: number, name: string } }>} source */
// node:test loads a reporter from its default export.
// eslint-disable-next-line no-restricted-syntax
export default async function* guard(source) {
  /** Tests queued minus tests that reported a result, by file, depth and name. */
  const open = new Map();
  let finished = 0;
  for await (const { type, data } of source) {
    // The file itself is queued as a test but reports only `test:complete` (or a failure, e.g. a timeout).
    if (data?.name === undefined || data.name === data.file) continue;
    if (type === 'test:enqueue') open.set(keyOf(data), (open.get(keyOf(data)) ?? 0) + 1);
    if (type === 'test:pass' || type === 'test:fail') {
      finished += 1;
      const left = (open.get(keyOf(data)) ?? 0) - 1;
      if (left > 0) open.set(keyOf(data), left);
      else open.delete(keyOf(data));
    }
  }
  for (const [key, count] of open) {
    const [file, , name] = key.split('\u0000');
    yield `dropped ${count}× ${file}: ${name}\n`;
  }
  yield `complete ${finished} tests\n`;
}

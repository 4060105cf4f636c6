// Runs every *.test.ts of the workspaces with node's test runner on the TypeScript source (tsx loader).
// Usage: node scripts/test.mjs [path-filter…]   e.g. node scripts/test.mjs shared/test/eval
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = [
  'shared/test',
  'cli/test',
  'mcp-server/test',
  'server/test',
  'extension/test/unit',
  'extension/test/e2e',
];
const filters = process.argv.slice(2);

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'node_modules' ? [] : findTests(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = roots.flatMap(findTests).filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)));
if (files.length === 0) {
  console.error(
    `No test files found under ${roots.join(', ')}${filters.length ? ` matching ${filters.join(', ')}` : ''}.`,
  );
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);

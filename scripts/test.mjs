// Runs every *.test.ts of the workspaces with node's test runner on the TypeScript source (tsx loader).
// Usage: node scripts/test.mjs [path-filter…]   e.g. node scripts/test.mjs shared/test/eval
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
// Each file must finish (tests done and process exited by itself) within this time; a hang fails with the file's name.
const fileTimeoutMs = Number(process.env.ROLLGATE_TEST_FILE_TIMEOUT_MS ?? 600_000);
const guardDir = mkdtempSync(join(tmpdir(), 'rollgate-test-'));
const guardFile = join(guardDir, 'guard.txt');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    join(import.meta.dirname, 'test-hang-report.mjs'),
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${fileTimeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(import.meta.dirname, 'test-guard.mjs')}`,
    `--test-reporter-destination=${guardFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
const guard = existsSync(guardFile) ? readFileSync(guardFile, 'utf8') : '';
rmSync(guardDir, { recursive: true, force: true });
const dropped = guard.split('\n').filter((line) => line.startsWith('dropped '));
if (dropped.length > 0 || !/^complete \d+ tests$/m.test(guard)) {
  console.error(
    dropped.length > 0
      ? `\nA test file ended before these tests reported a result (the run is incomplete):\n  ${dropped.join('\n  ')}`
      : '\nThe test run ended without its completion report: results are incomplete.',
  );
  process.exit(1);
}
process.exit(result.status ?? 1);

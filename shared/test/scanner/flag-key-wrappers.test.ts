import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPatterns, FlagScanner, type ScanResult, type ScannerConfig } from '../../src/scanner/index.ts';

/** An app with its own flag hooks and no SDK: positive shapes and near misses (see each file's comment). */
const FIXTURE = join(import.meta.dirname, '../fixtures/scanner/flag-key-wrappers');
const config = (extra: Partial<ScannerConfig> = {}): ScannerConfig => ({
  patterns: createPatterns(),
  exclude: [],
  ...extra,
});

/** `file kind method key` of each reference (file relative to src/), in order. */
function list(result: ScanResult): string[] {
  return result.references.map(
    (r) => `${r.file.slice(r.file.lastIndexOf('/src/') + 5)} ${r.kind} ${r.method} ${r.key ?? `? ${r.keyExpression}`}`,
  );
}

describe('wrappers found through flag maps and flag key types', () => {
  let result: ScanResult;
  before(async () => {
    const scanner = await FlagScanner.create(FIXTURE, config());
    result = scanner.scan();
    scanner.dispose();
  });

  it('calls of the four wrappers are references; the near misses are none', () => {
    assert.deepEqual(list(result), [
      'app.tsx call useUiFlag messageBanner',
      'app.tsx call isFlagOn new-nav',
      'app.tsx call useFeature kebab-flag',
      'app.tsx call useNavFlag newNav',
      'flags.ts keyof-type UiFlags messageBanner',
      'flags.ts keyof-type UiFlags newNav',
      'flags.ts keyof-type UiFlags kebab-flag',
    ]);
  });

  it('reports each wrapper with its key argument and what it forwards to', () => {
    const wrappers = result.wrappers.map(
      (w) => `${w.pattern.function}#${w.pattern.keyArgument} → ${w.forwardsTo} (${w.forward.kind})`,
    );
    assert.deepEqual(wrappers.sort(), [
      'isFlagOn#1 → flags (property)',
      'useFeature#0 → lookup (call)',
      'useNavFlag#0 → useUiFlag (call)',
      'useUiFlag#0 → read (call)',
    ]);
  });

  it('detects none of them when detectWrappers is false', async () => {
    const scanner = await FlagScanner.create(FIXTURE, config({ detectWrappers: false }));
    const refs = scanner.scan();
    scanner.dispose();
    assert.deepEqual(refs.wrappers, []);
    assert.deepEqual(list(refs), []);
  });
});

describe('flag-key wrappers across rescans', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rollgate-flag-key-'));
    await cp(FIXTURE, root, { recursive: true });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('a new call of a wrapper is found by a one-file rescan; losing the key type drops the wrapper', async () => {
    const scanner = await FlagScanner.create(root, config());
    const scanned = list(scanner.scan());
    // A wrapper calling a wrapper gives the same references rescanned as scanned.
    const same = scanner.rescanFile(join(root, 'src/use-nav-flag.ts'));
    assert.equal(same.fullRescan, false);
    assert.deepEqual(list(same.result), scanned);
    const caller = `import { useUiFlag } from './use-ui-flag';\nexport const nav = useUiFlag('newNav');\n`;
    await writeFile(join(root, 'src/nav.ts'), caller);
    const added = scanner.rescanFile(join(root, 'src/nav.ts'));
    assert.equal(added.fullRescan, false);
    assert.ok(list(added.result).includes('nav.ts call useUiFlag newNav'));

    const untyped = `export const useUiFlag = (flag: string) => read(flag);\ndeclare function read(flag: string): boolean;\n`;
    await writeFile(join(root, 'src/use-ui-flag.ts'), untyped);
    const dropped = scanner.rescanFile(join(root, 'src/use-ui-flag.ts'));
    // Not a full rescan: the files naming the dropped wrapper (and the wrapper of it) are analysed again.
    assert.equal(dropped.fullRescan, false);
    assert.ok(dropped.files.some((f) => f.endsWith('src/nav.ts')));
    assert.deepEqual(
      list(dropped.result).filter((r) => r.includes('useUiFlag')),
      [],
    );
    assert.deepEqual(list(dropped.result), list(scanner.scan()));
    scanner.dispose();
  });
});

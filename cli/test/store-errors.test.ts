// The built CLI on a store that needs a human (a misspelled field in flags.yaml) or that a crash left half-written
// (a journaled commit, a dead writer's lock): the error names the place and the fix, the repair is told once.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagEnabled } from '../../shared/src/flags/operations.ts';
import { leaveCrashedCommit } from '../../shared/test/store/crash.ts';
import { ensureBuilt, NOW, rollgate, rollgateJson, tempDir } from './helpers.ts';

interface ErrorJson {
  error: { code: string; message: string; hint?: string; file?: string; line?: number; column?: number };
}

describe('rollgate on a store that needs attention', () => {
  before(() => ensureBuilt());

  it('a misspelled field is a PARSE_ERROR (exit 4) at file:line:column with a did-you-mean; no write drops it', () => {
    using temp = tempDir();
    const dir = temp.path;
    rollgateJson(dir, ['init']);
    rollgateJson(dir, ['create', 'new-checkout']);
    const flags = join(dir, '.rollgate', 'flags.yaml');
    const misspelled = readFileSync(flags, 'utf8').replace(/( +)enabled: false\n/, '$1enabeld: true\n');
    writeFileSync(flags, misspelled);
    const line = misspelled.split('\n').findIndex((l) => l.includes('enabeld')) + 1;
    const column = (misspelled.split('\n')[line - 1]?.indexOf('enabeld') ?? 0) + 1;

    const toggle = rollgate(dir, ['toggle', 'new-checkout', 'on', '--env', 'development']);
    assert.equal(toggle.status, 4, toggle.stderr);
    assert.equal(toggle.stdout, '');
    assert.match(toggle.stderr, /unknown field "enabeld"\. Did you mean "enabled"\?/);
    assert.ok(toggle.stderr.includes(`at ${flags}:${line}:${column}`), toggle.stderr);
    assert.match(toggle.stderr, /hint: Rename "enabeld" to "enabled"/);
    assert.equal(readFileSync(flags, 'utf8'), misspelled, 'the file is not rewritten');

    const list = rollgate(dir, ['--json', 'list']);
    assert.equal(list.status, 4);
    const { error } = JSON.parse(list.stderr) as ErrorJson;
    assert.equal(error.code, 'PARSE_ERROR');
    assert.deepEqual([error.file, error.line, error.column], [flags, line, column]);
    assert.match(error.message, /\.enabeld: unknown field/);
  });

  it('tells once, on stderr, what it repaired after a writer crashed mid-commit', async () => {
    using temp = tempDir();
    const dir = temp.path;
    rollgateJson(dir, ['init']);
    rollgateJson(dir, ['create', 'new-checkout']);
    const context = { actor: 'cli:crashed', now: () => new Date(NOW) };
    const revision = await leaveCrashedCommit(dir, setFlagEnabled('new-checkout', 'staging', true), context, 'decided');

    const first = rollgate(dir, ['list']);
    assert.equal(first.status, 0, first.stderr);
    const lines = first.stderr.trim().split('\n');
    assert.equal(lines.length, 2, first.stderr);
    assert.match(lines[0] ?? '', /^rollgate: repaired the store: Recovered the store lock .* left by process \d+/);
    assert.match(
      lines[1] ?? '',
      new RegExp(
        `^rollgate: repaired the store: Completed revision ${revision} \\(flag\\.toggle by cli:crashed .*re-compiled 1 flagd output`,
      ),
    );
    const second = rollgate(dir, ['list']);
    assert.equal(second.stderr, '', 'reported once');
    const audit = rollgateJson<{ entries: { revision: number; actor: string }[] }>(dir, ['audit']).entries;
    assert.deepEqual(audit.at(-1), { ...audit.at(-1), revision, actor: 'cli:crashed' });
  });

  it('with --json, the repair is a JSON line on stderr and stdout holds only the result', async () => {
    using temp = tempDir();
    const dir = temp.path;
    rollgateJson(dir, ['init']);
    rollgateJson(dir, ['create', 'new-checkout']);
    const context = { actor: 'cli:crashed', now: () => new Date(NOW) };
    await leaveCrashedCommit(dir, setFlagEnabled('new-checkout', 'staging', true), context, 'flags-written');
    const result = rollgate(dir, ['--json', 'toggle', 'new-checkout', 'on', '--env', 'development']);
    assert.equal(result.status, 0, result.stderr);
    JSON.parse(result.stdout);
    const reports = result.stderr
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { recovered: { action: string } }).recovered.action);
    assert.deepEqual(reports, ['lock-recovered', 'rolled-forward']);
  });
});

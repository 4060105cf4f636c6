/**
 * The lazily loaded command table (program.ts): each entry names the commands its module registers, a run loads
 * only the invoked command's module, and the built CLI runs a command without the chunks of the others.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliDeps } from '../src/deps.ts';
import { COMMAND_MODULES, createProgram, invokedCommandName } from '../src/program.ts';
import { BIN, ensureBuilt, NOW, rollgate, tempDir } from './helpers.ts';

const deps: CliDeps = {
  stdout: { write: () => {} },
  stderr: { write: () => {} },
  now: () => new Date(NOW),
  cwd: '/',
  defaultActor: 'cli:tester',
  env: {},
};

const names = (program: Command): string[] => program.commands.map((c) => c.name());
const ALL_NAMES = COMMAND_MODULES.flatMap((m) => m.names);

describe('the command table', () => {
  for (const module of COMMAND_MODULES) {
    it(`${module.names.join(', ')}: the module registers exactly these top-level commands`, async () => {
      const program = new Command('rollgate');
      (await module.load())(program, deps);
      assert.deepEqual(names(program), module.names);
    });
  }

  it('names every command once', () => {
    assert.equal(new Set(ALL_NAMES).size, ALL_NAMES.length);
  });
});

describe('invokedCommandName', () => {
  const program = new Command('rollgate').option('--store <dir>').option('--json').option('--actor <actor>');
  const cases: [string[], string | undefined][] = [
    [['toggle', 'checkout', 'on', '--env', 'staging'], 'toggle'],
    [['--store', 'toggle', 'list'], 'list'],
    [['--store=dir', '--json', 'get', 'x'], 'get'],
    [['--actor', 'alice', '--json', 'rollout', 'status'], 'rollout'],
    [['--', 'list'], 'list'],
    [['--json'], undefined],
    [['--help'], undefined],
    [[], undefined],
  ];
  for (const [args, expected] of cases) {
    it(`${JSON.stringify(args)} → ${String(expected)}`, () =>
      assert.equal(invokedCommandName(program, args), expected));
  }
});

describe('createProgram', () => {
  it('registers only the invoked command’s module', async () => {
    assert.deepEqual(names(await createProgram(deps, ['--json', 'toggle', 'x', 'on', '--env', 'staging'])), ['toggle']);
    assert.deepEqual(names(await createProgram(deps, ['reject', 'cr-1'])), ['requests', 'approve', 'reject']);
  });

  it('registers every command, in the table’s order, for help and for an unknown command', async () => {
    for (const args of [['--help'], [], ['help', 'toggle'], ['togle', 'x']]) {
      assert.deepEqual(names(await createProgram(deps, args)), ALL_NAMES, JSON.stringify(args));
    }
  });
});

describe('the built CLI', () => {
  before(() => ensureBuilt());

  it('lists every command in --help and suggests the right one for a typo', () => {
    using dir = tempDir();
    const help = rollgate(dir.path, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const name of ALL_NAMES) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
    const typo = rollgate(dir.path, ['togle']);
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /Did you mean toggle\?/);
  });

  it('runs a command without the chunks of the other commands and of the other lazily loaded modules', () => {
    using dir = tempDir();
    using dist = tempDir('rollgate-dist-');
    // esbuild names the chunk of a dynamically imported module `cli-<file>-<hash>.mjs` and shared code
    // `cli-chunk-<hash>.mjs`: copy the entry, the shared chunks and the chunks of the commands this test runs.
    const kept = ['chunk', 'init', 'create', 'toggle'];
    const distDir = join(BIN, '..');
    const copied = readdirSync(distDir).filter(
      (file) => file === 'rollgate.mjs' || kept.includes(/^cli-(.+)-[A-Z0-9]{8}\.mjs$/.exec(file)?.[1] ?? ''),
    );
    assert.ok(
      readdirSync(distDir).some((file) => file.startsWith('cli-postgres-')),
      'the PostgreSQL store is a chunk',
    );
    for (const file of copied) copyFileSync(join(distDir, file), join(dist.path, file));
    cpSync(join(distDir, 'migrations'), join(dist.path, 'migrations'), { recursive: true });
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(dist.path, 'rollgate.mjs'), ...args], {
        cwd: dir.path,
        encoding: 'utf8',
        env: { ...process.env, ROLLGATE_NOW: NOW, USER: 'tester' },
      });
    for (const args of [['init'], ['create', 'checkout'], ['toggle', 'checkout', 'on', '--env', 'staging']]) {
      const result = run(args);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.match(run(['toggle', 'checkout', 'off', '--env', 'staging']).stdout, /checkout is OFF in staging/);
    // The copy really lacks the others: a command whose chunk was left out cannot start.
    const list = run(['list']);
    assert.notEqual(list.status, 0);
    assert.match(list.stderr, /ERR_MODULE_NOT_FOUND|Cannot find module/);
  });
});

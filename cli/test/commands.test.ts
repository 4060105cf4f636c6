// The core commands on the built CLI, in temp stores: a full round trip, --json shapes, and the exit code of each
// error class.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, Condition, Flag, Rule } from '@rollgate/shared/flags';
import { ensureBuilt, NOW, rollgate, rollgateJson, tempDir } from './helpers.ts';

interface ErrorJson {
  error: { code: string; message: string; hint?: string; file?: string; line?: number; column?: number };
}

/** Runs a command expected to fail; asserts the exit code and a hint, and returns stderr. */
function fails(cwd: string, args: string[], exitCode: number): string {
  const result = rollgate(cwd, args);
  assert.equal(result.status, exitCode, `exit code of rollgate ${args.join(' ')}\n${result.stderr}`);
  assert.equal(result.stdout, '', 'nothing on stdout');
  return result.stderr;
}

/** A fresh store holding the flag `new-checkout`. */
function storeWithFlag(dir: string): void {
  rollgateJson(dir, ['init']);
  rollgateJson(dir, ['create', 'new-checkout', '--tag', 'checkout', '--owner', 'payments']);
}

describe('rollgate commands', () => {
  before(() => ensureBuilt());

  it('round-trips init → create → toggle → set-rollout → set-rule → list/get → audit', () => {
    using temp = tempDir();
    const dir = temp.path;
    // init creates a missing folder, like `git init <dir>`.
    const nested = rollgateJson<{ store: string }>(dir, ['init', 'nested/repo']);
    assert.equal(nested.store, join(dir, 'nested', 'repo', '.rollgate'));
    const init = rollgateJson<{ store: string; environments: { key: string; protected: boolean }[] }>(dir, ['init']);
    assert.equal(init.store, join(dir, '.rollgate'));
    assert.deepEqual(
      init.environments.map((e) => [e.key, e.protected]),
      [
        ['development', false],
        ['staging', false],
        ['production', true],
      ],
    );

    const created = rollgateJson<{ flag: Flag }>(dir, ['create', 'new-checkout', '--tag', 'checkout']);
    assert.equal(created.flag.name, 'New checkout');
    assert.equal(created.flag.createdAt, NOW);
    assert.deepEqual(created.flag.variants, { on: true, off: false });
    assert.equal(created.flag.environments.production?.enabled, false);

    rollgateJson(dir, [
      'create',
      'banner-color',
      '--kind',
      'experiment',
      '--variant',
      'blue=blue',
      '--variant',
      'red=red',
    ]);
    const toggled = rollgateJson<{ enabled: boolean }>(dir, ['toggle', 'new-checkout', 'on', '--env', 'staging']);
    assert.equal(toggled.enabled, true);
    const rollout = rollgateJson<{ rollout: { variant: string; percentage: number } }>(dir, [
      'set-rollout',
      'new-checkout',
      '12.5%',
      '--env',
      'staging',
    ]);
    assert.deepEqual(rollout.rollout, { variant: 'on', percentage: 12.5 });

    const rules = rollgateJson<{ rules: Rule[] }>(dir, [
      'set-rule',
      'new-checkout',
      '--env',
      'staging',
      '--when',
      'plan in pro,team',
      '--when',
      'seats >= 10',
      '--serve',
      'on',
    ]);
    assert.deepEqual(rules.rules, [
      {
        conditions: [
          { attribute: 'plan', operator: 'in', value: ['pro', 'team'] },
          { attribute: 'seats', operator: 'gte', value: 10 },
        ],
        serve: { variant: 'on' },
      },
    ]);

    const listed = rollgateJson<{ flags: Flag[] }>(dir, ['list', '--kind', 'release']);
    assert.deepEqual(
      listed.flags.map((f) => f.key),
      ['new-checkout'],
    );
    assert.deepEqual(rollgateJson<{ flags: Flag[] }>(dir, ['list', '--tag', 'checkout', '--tag', 'nope']).flags, []);
    assert.deepEqual(rollgateJson<{ flags: Flag[] }>(dir, ['list', '--archived']).flags, []);

    const human = rollgate(dir, ['list', '--env', 'staging']);
    assert.equal(human.status, 0);
    assert.match(human.stdout, /new-checkout\s+release\s+boolean\s+on → 12\.5% get `on` \(\+1 rule\)/);
    assert.doesNotMatch(human.stdout, /PRODUCTION/);

    const got = rollgateJson<{ flag: Flag }>(dir, ['get', 'new-checkout']);
    assert.deepEqual(got.flag.environments.staging?.rules, rules.rules);
    const getText = rollgate(dir, ['get', 'new-checkout']).stdout;
    // Rules are printed in the syntax --when reads.
    assert.match(getText, /1\. when plan in pro,team and seats >= 10 serve on/);

    const audit = rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--flag', 'new-checkout']);
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.environment, e.actor]),
      [
        ['flag.create', undefined, 'cli:tester'],
        ['flag.toggle', 'staging', 'cli:tester'],
        ['flag.set-rollout', 'staging', 'cli:tester'],
        ['flag.set-rules', 'staging', 'cli:tester'],
      ],
    );
    assert.deepEqual(
      rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--limit', '1']).entries.map((e) => e.action),
      ['flag.set-rules'],
    );
    assert.equal(rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--since', '2099-01-01']).entries.length, 0);
    assert.equal(rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--since', '1h']).entries.length, 5);
  });

  it('adds, replaces and removes rules by position or id, and accepts --rule-json', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    const setRule = (...args: string[]): Rule[] =>
      rollgateJson<{ rules: Rule[] }>(dir, ['set-rule', 'new-checkout', '--env', 'development', ...args]).rules;
    setRule('--when', 'country == DE', '--serve', 'on');
    setRule('--when', 'beta exists', '--split', 'on:10,off:90', '--id', 'beta', '--at', '1');
    let rules = setRule(
      '--rule-json',
      '{"conditions":[{"attribute":"email","operator":"ends_with","value":"@acme.com"}],"serve":{"variant":"on"}}',
    );
    assert.deepEqual(
      rules.map((r) => attributeOf(r.conditions[0])),
      ['beta', 'country', 'email'],
    );
    assert.deepEqual(rules[0]?.serve, {
      split: [
        { variant: 'on', weight: 10 },
        { variant: 'off', weight: 90 },
      ],
    });
    rules = setRule('--replace', 'beta', '--when', 'beta == true', '--serve', 'on');
    assert.deepEqual(rules[0], {
      conditions: [{ attribute: 'beta', operator: 'equals', value: true }],
      serve: { variant: 'on' },
    });
    rules = setRule('--remove', '2');
    assert.deepEqual(
      rules.map((r) => attributeOf(r.conditions[0])),
      ['beta', 'email'],
    );
    assert.deepEqual(setRule('--clear'), []);
  });

  it('evaluates with the flagd engine and explains the rule, the sticky bucket and the kill switch', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    const reason = ['--reason', 'test'];
    rollgateJson(dir, ['toggle', 'new-checkout', 'on', '--env', 'production', ...reason]);
    rollgateJson(dir, ['set-rollout', 'new-checkout', '30', '--env', 'production', ...reason]);
    rollgateJson(dir, [
      'set-rule',
      'new-checkout',
      '--env',
      'production',
      '--when',
      'plan in pro',
      '--serve',
      'on',
      ...reason,
    ]);
    interface Evaluation {
      value: boolean;
      variant?: string;
      reason: string;
      explanation: {
        matchedRule?: number;
        bucket?: number;
        rollout?: { percentage: number; included: boolean };
        why: string[];
      };
    }
    const evaluate = (...args: string[]): Evaluation =>
      rollgateJson<Evaluation>(dir, ['evaluate', 'new-checkout', '--env', 'production', ...args]);

    const pro = evaluate('--context', '{"targetingKey":"u1","plan":"pro"}');
    assert.equal(pro.value, true);
    assert.equal(pro.reason, 'TARGETING_MATCH');
    assert.equal(pro.explanation.matchedRule, 1);

    // Whoever is in the rollout has a bucket below 30, whoever is out one at or above it.
    const seen = new Set<boolean>();
    for (const key of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']) {
      const result = evaluate('--key', key, '--attr', 'plan=free');
      const { bucket, rollout, matchedRule, why } = result.explanation;
      assert.equal(matchedRule, undefined);
      assert.ok(bucket !== undefined && bucket >= 0 && bucket < 100);
      assert.equal(result.value, bucket < 30, `${key}: bucket ${bucket} vs value ${String(result.value)}`);
      assert.equal(rollout?.included, result.value);
      assert.match(why.join(' '), /Rule 1 did not match: "plan in pro" does not hold/);
      seen.add(result.value);
    }
    assert.equal(seen.size, 2, 'the sample has users on both sides of the rollout');

    const text = rollgate(dir, [
      'evaluate',
      'new-checkout',
      '--env',
      'production',
      '--key',
      'u1',
      '--attr',
      'plan=free',
    ]);
    assert.match(text.stdout, /reason\s+(TARGETING_MATCH|DEFAULT)/);
    assert.match(text.stdout, /sticky bucket is [\d.]+/);

    rollgateJson(dir, ['toggle', 'new-checkout', 'off', '--env', 'production', ...reason]);
    const killed = evaluate('--key', 'u1', '--attr', 'plan=pro', '--default', 'true');
    assert.equal(killed.value, true, 'the code default comes back');
    assert.equal(killed.reason, 'DISABLED');
    assert.equal(killed.variant, undefined);
    assert.match(killed.explanation.why.join(' '), /off in production/);
  });

  it('compile rewrites stale flagd outputs and --check fails (exit 3) until it has', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    const output = join(dir, '.rollgate', 'flagd', 'staging.flagd.json');
    const fresh = readFileSync(output, 'utf8');
    assert.equal(rollgate(dir, ['compile', '--check']).status, 0);
    writeFileSync(output, '{}\n');
    const stderr = fails(dir, ['compile', '--check'], 3);
    assert.match(stderr, /staging\.flagd\.json/);
    assert.match(stderr, /hint: Run `rollgate compile`/);
    assert.equal(readFileSync(output, 'utf8'), '{}\n', '--check writes nothing');
    const compiled = rollgateJson<{ written: string[] }>(dir, ['compile']);
    assert.deepEqual(compiled.written, [output]);
    assert.equal(readFileSync(output, 'utf8'), fresh);
    assert.equal(rollgate(dir, ['compile', '--check']).status, 0);
  });

  it('refuses a change to a protected environment without --reason, and writes nothing', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    const flags = join(dir, '.rollgate', 'flags.yaml');
    const before = readFileSync(flags, 'utf8');
    const stderr = fails(dir, ['toggle', 'new-checkout', 'on', '--env', 'production'], 1);
    assert.match(stderr, /"production" is protected/);
    assert.match(stderr, /hint: .*--reason/);
    assert.equal(readFileSync(flags, 'utf8'), before);
    assert.equal(rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--env', 'production']).entries.length, 0);
    // Development is not protected; production with a reason is fine and the reason is audited.
    rollgateJson(dir, ['toggle', 'new-checkout', 'on', '--env', 'development']);
    rollgateJson(dir, [
      'toggle',
      'new-checkout',
      'on',
      '--env',
      'production',
      '--reason',
      'launch',
      '--actor',
      'ci:bot',
    ]);
    const [entry] = rollgateJson<{ entries: AuditEntry[] }>(dir, ['audit', '--env', 'production']).entries;
    assert.equal(entry?.reason, 'launch');
    assert.equal(entry?.actor, 'ci:bot');
  });

  it('exits 1 on usage errors and invalid input, with a hint', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    assert.match(fails(dir, ['toggle', 'new-checkout', 'maybe', '--env', 'staging'], 1), /Allowed choices are on, off/);
    assert.match(fails(dir, ['list', '--bogus'], 1), /unknown option '--bogus'/);
    const bad = fails(
      dir,
      ['set-rule', 'new-checkout', '--env', 'staging', '--when', 'plan ~ pro', '--serve', 'on'],
      1,
    );
    assert.match(bad, /Unknown operator "~"/);
    assert.match(bad, /hint: Write --when/);
    assert.match(fails(dir, ['set-rollout', 'new-checkout', '150', '--env', 'staging'], 1), /not a percentage/);
    // The variant does not exist: the shared operation rejects the rule.
    assert.match(
      fails(dir, ['set-rule', 'new-checkout', '--env', 'staging', '--when', 'a == b', '--serve', 'maybe'], 1),
      /maybe/,
    );
    assert.match(fails(dir, ['create', 'new-checkout'], 1), /already exists/);
    const setRule = ['set-rule', 'new-checkout', '--env', 'staging'];
    assert.match(fails(dir, [...setRule, '--remove', '1', '--when', 'a == b'], 1), /exactly one thing/);
    assert.match(fails(dir, [...setRule, '--clear', '--id', 'x'], 1), /--remove and --clear take none/);
    assert.match(fails(dir, [...setRule, '--when', 'a == b'], 1), /needs --serve <variant> or --split/);
    assert.match(
      fails(dir, [...setRule, '--when', 'a == b', '--serve', 'on', '--split', 'on:1'], 1),
      /cannot be used with/,
    );
    assert.match(
      fails(dir, ['evaluate', 'new-checkout', '--env', 'staging', '--context', '{"a":'], 1),
      /not valid JSON/,
    );

    const json = rollgate(dir, ['--json', 'set-rollout', 'new-checkout', 'half', '--env', 'staging']);
    assert.equal(json.status, 1);
    assert.equal(json.stdout, '');
    const error = (JSON.parse(json.stderr) as ErrorJson).error;
    assert.equal(error.code, 'INVALID_INPUT');
    assert.match(error.hint ?? '', /0 to 100/);
  });

  it('exits 2 when a flag, environment, rule or store is not found', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    assert.match(fails(dir, ['get', 'new-chekout'], 2), /hint: Did you mean "new-checkout"\?/);
    assert.match(fails(dir, ['toggle', 'nope', 'on', '--env', 'staging'], 2), /nope/);
    assert.match(fails(dir, ['evaluate', 'new-checkout', '--env', 'producton'], 2), /Did you mean "production"\?/);
    assert.match(fails(dir, ['set-rule', 'new-checkout', '--env', 'staging', '--remove', '3'], 2), /No rule "3"/);
    using emptyDir = tempDir();
    const empty = emptyDir.path;
    assert.match(fails(empty, ['list'], 2), /hint: Run `rollgate init`/);
    // --store points elsewhere: the same store is found from any directory.
    assert.equal(rollgateJson<{ flags: Flag[] }>(empty, ['--store', dir, 'list']).flags.length, 1);
    assert.equal(rollgateJson<{ flags: Flag[] }>(empty, ['list', '--store', join(dir, '.rollgate')]).flags.length, 1);
    assert.match(fails(dir, ['--store', empty, 'list'], 2), /No Rollgate store \(\.rollgate\/\) in /);
  });

  it('exits 4 on a malformed store, reports file:line:column and leaves the file unchanged', () => {
    using temp = tempDir();
    const dir = temp.path;
    storeWithFlag(dir);
    const flags = join(dir, '.rollgate', 'flags.yaml');
    const lines = readFileSync(flags, 'utf8').split('\n');
    const broken = [...lines.slice(0, 3), 'environments: [unclosed', ...lines.slice(3)].join('\n');
    writeFileSync(flags, broken);
    const stderr = fails(dir, ['toggle', 'new-checkout', 'on', '--env', 'staging'], 4);
    assert.match(stderr, new RegExp(`at ${flags.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
    assert.equal(readFileSync(flags, 'utf8'), broken, 'the malformed file is left as it was');

    const json = rollgate(dir, ['--json', 'list']);
    assert.equal(json.status, 4);
    const error = (JSON.parse(json.stderr) as ErrorJson).error;
    assert.equal(error.code, 'PARSE_ERROR');
    assert.equal(error.file, flags);
    assert.ok(error.line !== undefined && error.line >= 4, `line ${String(error.line)}`);
  });
});

function attributeOf(condition: Condition | undefined): string | undefined {
  return condition && 'attribute' in condition ? condition.attribute : undefined;
}

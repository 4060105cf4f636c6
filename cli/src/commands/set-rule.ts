import { Option, type Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { derivedOperation, setRules, type Rule } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { formatRule } from '../format.ts';
import { getFlagOrThrow } from '../lookup.ts';
import { collect, parseCondition, parseRuleJson, parseSplit } from '../parse.ts';

interface SetRuleOptions {
  env: string;
  when: string[];
  serve?: string;
  split?: string;
  ruleJson?: string;
  id?: string;
  description?: string;
  at?: string;
  replace?: string;
  remove?: string;
  clear?: boolean;
}

/** A change to an environment's ordered rule list. A rule is referred to by its 1-based position or its id. */
export type RuleEdit =
  | { kind: 'add'; rule: Rule; at?: number }
  | { kind: 'replace'; ref: string; rule: Rule }
  | { kind: 'remove'; ref: string }
  | { kind: 'clear' };

const USAGE_HINT =
  'Add a rule with --when "<attribute> <operator> <value>" (repeatable, all must hold) and --serve <variant> or ' +
  '--split on:10,off:90, or with --rule-json; change one with --replace <n|id>, drop one with --remove <n|id>, ' +
  'drop all with --clear.';

/**
 * `rollgate set-rule <flag> --env <env> …`: adds, replaces or removes a targeting rule. Rules are tried in order;
 * the first whose conditions all hold serves its variant or split.
 */
export function registerSetRuleCommand(program: Command, deps: CliDeps): void {
  program
    .command('set-rule')
    .description('add, replace or remove a targeting rule of a flag in one environment')
    .argument('<flag>', 'flag key')
    .requiredOption('--env <env>', 'environment')
    .option('--when <condition>', 'a condition, e.g. "plan in pro,team" (repeat: all must hold)', collect, [])
    .addOption(new Option('--serve <variant>', 'serve this variant when the rule matches').conflicts('split'))
    .option('--split <weights>', 'serve a sticky percentage split, e.g. on:10,off:90')
    .option('--rule-json <json>', 'the whole rule as JSON (the flag model’s rule shape)')
    .option('--id <id>', 'an id to refer to the rule by later')
    .option('--description <text>', 'what the rule is for')
    .option('--at <position>', 'insert at this 1-based position instead of appending')
    .option('--replace <rule>', 'replace the rule at this 1-based position, or with this id')
    .option('--remove <rule>', 'remove the rule at this 1-based position, or with this id')
    .option('--clear', 'remove all rules')
    .action(async (key: string, opts: SetRuleOptions, command: Command) => {
      const run = invocation(command, deps);
      const edit = ruleEditFromOptions(opts);
      const operation = derivedOperation((document) => {
        const rules = getFlagOrThrow(document, key).environments[opts.env]?.rules ?? [];
        return setRules(key, opts.env, applyRuleEdit(rules, edit, opts.env));
      });
      const snapshot = await run.withStore((store) => run.change(store, operation, opts.env));
      const rules = getFlagOrThrow(snapshot.document, key).environments[opts.env]?.rules ?? [];
      run.out.result(
        { flagKey: key, environment: opts.env, rules, revision: snapshot.revision },
        rules.length === 0
          ? `${key} has no rules in ${opts.env}.`
          : [`${key} rules in ${opts.env}:`, ...rules.map((r, i) => `  ${i + 1}. ${formatRule(r)}`)].join('\n'),
      );
    });
}

/** Reads the options into one {@link RuleEdit}, refusing contradictory combinations. */
export function ruleEditFromOptions(opts: Omit<SetRuleOptions, 'env'>): RuleEdit {
  const ruleGiven = opts.when.length > 0 || opts.serve !== undefined || opts.split !== undefined;
  const modes = [ruleGiven, opts.ruleJson !== undefined, opts.remove !== undefined, opts.clear === true];
  if (modes.filter(Boolean).length !== 1) {
    throw usageError('Say exactly one thing to do with the rules.', USAGE_HINT);
  }
  const ruleOptions = [opts.id, opts.description, opts.at, opts.replace].some((o) => o !== undefined);
  if ((opts.clear === true || opts.remove !== undefined) && ruleOptions) {
    throw usageError(
      '--id, --description, --at and --replace describe a new rule; --remove and --clear take none.',
      USAGE_HINT,
    );
  }
  if (opts.clear === true) return { kind: 'clear' };
  if (opts.remove !== undefined) return { kind: 'remove', ref: opts.remove };
  const rule = opts.ruleJson === undefined ? ruleFromFlags(opts) : parseRuleJson(opts.ruleJson);
  const named: Rule = {
    ...rule,
    ...(opts.id === undefined ? {} : { id: opts.id }),
    ...(opts.description === undefined ? {} : { description: opts.description }),
  };
  if (opts.replace !== undefined) {
    if (opts.at !== undefined) throw usageError('--at and --replace cannot be combined.', USAGE_HINT);
    return { kind: 'replace', ref: opts.replace, rule: named };
  }
  if (opts.at === undefined) return { kind: 'add', rule: named };
  if (!/^\d+$/.test(opts.at) || Number(opts.at) < 1) {
    throw usageError(
      `--at "${opts.at}" is not a position.`,
      'Give a 1-based position, e.g. --at 1 to make it the first rule.',
    );
  }
  return { kind: 'add', rule: named, at: Number(opts.at) };
}

function ruleFromFlags(opts: Pick<SetRuleOptions, 'when' | 'serve' | 'split'>): Rule {
  if (opts.when.length === 0) throw usageError('A rule needs at least one --when condition.', USAGE_HINT);
  if (opts.serve !== undefined) return { conditions: opts.when.map(parseCondition), serve: { variant: opts.serve } };
  if (opts.split !== undefined) {
    return { conditions: opts.when.map(parseCondition), serve: { split: parseSplit(opts.split) } };
  }
  throw usageError('A rule needs --serve <variant> or --split <weights>.', USAGE_HINT);
}

/** The rule list after `edit`. Errors: FLAG_NOT_FOUND when a referenced rule does not exist. */
export function applyRuleEdit(rules: readonly Rule[], edit: RuleEdit, environment: string): Rule[] {
  switch (edit.kind) {
    case 'clear':
      return [];
    case 'add': {
      const at = Math.min(edit.at ?? rules.length + 1, rules.length + 1) - 1;
      return [...rules.slice(0, at), edit.rule, ...rules.slice(at)];
    }
    case 'replace': {
      const index = findRule(rules, edit.ref, environment);
      return rules.map((r, i) => (i === index ? edit.rule : r));
    }
    case 'remove': {
      const index = findRule(rules, edit.ref, environment);
      return rules.filter((_, i) => i !== index);
    }
  }
}

function findRule(rules: readonly Rule[], ref: string, environment: string): number {
  const byId = rules.findIndex((r) => r.id === ref);
  if (byId >= 0) return byId;
  const position = /^\d+$/.test(ref) ? Number(ref) : 0;
  if (position >= 1 && position <= rules.length) return position - 1;
  throw new FlagError('FLAG_NOT_FOUND', `No rule "${ref}" in ${environment}; it has ${rules.length} rule(s).`, {
    environment,
    hint: 'Refer to a rule by its position (1 = first) or id, as `rollgate get <flag>` lists them.',
  });
}

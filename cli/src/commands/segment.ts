import type { Command } from 'commander';
import {
  createSegment,
  deleteSegment,
  describeUsage,
  getSegmentOrThrow,
  segmentUsage,
  updateSegment,
  type AttributeCondition,
  type Operation,
  type Segment,
  type SegmentUpdate,
  type StoreDocument,
} from '@rollgate/shared/flags';
import { invocation, type CliDeps, type Invocation } from '../deps.ts';
import { usageError } from '../errors.ts';
import { formatCondition } from '../format.ts';
import { collect, commaList, parseCondition } from '../parse.ts';

interface SegmentOptions {
  name?: string;
  description?: string;
  include?: string;
  exclude?: string;
  rule: string[];
  addKey?: string;
  removeKey?: string;
  clearRules?: boolean;
}

const RULE_HINT = 'Write --rule "<condition> and <condition>", e.g. --rule "email ends-with @acme.com".';

/**
 * `rollgate segment create|list|get|update|delete`: named audiences (targeting keys and/or attribute rules) that
 * flag rules (`--when "segment <key>"`) and rollout plan steps reuse. See docs/segments.md.
 */
export function registerSegmentCommand(program: Command, deps: CliDeps): void {
  const segment = program.command('segment').description('manage segments: named audiences rules and rollouts reuse');
  const definition = (cmd: Command): Command =>
    cmd
      .option('--name <name>', 'display name')
      .option('--description <text>', 'what the audience is')
      .option('--include <keys>', 'targeting keys always in it, comma-separated (update: replaces the list)')
      .option('--exclude <keys>', 'targeting keys never in it, comma-separated (update: replaces the list)')
      .option('--rule <conditions>', 'a rule: conditions joined by " and " (repeat: any rule matches)', collect, []);

  definition(segment.command('create').description('create a segment').argument('<key>', 'segment key')).action(
    async (key: string, opts: SegmentOptions, command: Command) => {
      const run = invocation(command, deps);
      const input = { key, ...definitionOf(opts) };
      await change(run, key, createSegment(input), `Created segment ${key}.`);
    },
  );

  definition(segment.command('update').description('change a segment').argument('<key>', 'segment key'))
    .option('--add-key <keys>', 'add targeting keys to the included ones, comma-separated')
    .option('--remove-key <keys>', 'take targeting keys out of the included ones, comma-separated')
    .option('--clear-rules', 'remove every rule')
    .action(async (key: string, opts: SegmentOptions, command: Command) => {
      const run = invocation(command, deps);
      if (opts.clearRules === true && opts.rule.length > 0) {
        throw usageError('--clear-rules and --rule cannot be combined.', 'Use --rule alone: it replaces the rules.');
      }
      const patch: SegmentUpdate = {
        ...definitionOf(opts),
        ...(opts.clearRules === true ? { rules: [] } : {}),
        ...(opts.addKey === undefined ? {} : { addKeys: commaList(opts.addKey) }),
        ...(opts.removeKey === undefined ? {} : { removeKeys: commaList(opts.removeKey) }),
      };
      await change(run, key, updateSegment(key, patch), `Updated segment ${key}.`);
    });

  segment
    .command('delete')
    .description('delete a segment no flag uses')
    .argument('<key>', 'segment key')
    .action(async (key: string, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      await change(run, key, deleteSegment(key), `Deleted segment ${key}.`);
    });

  segment
    .command('list')
    .description('list the segments and the flags using them')
    .action(async (_opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const { document } = await run.withStore((store) => store.read());
      const segments = document.segments ?? [];
      run.out.result(
        { segments: segments.map((s) => withUsage(document, s)) },
        segments.length === 0
          ? 'No segments yet; create one with `rollgate segment create <key> --include <keys> --rule "<conditions>"`.'
          : segments.map((s) => summary(document, s)).join('\n'),
      );
    });

  segment
    .command('get')
    .description('show one segment in full')
    .argument('<key>', 'segment key')
    .action(async (key: string, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const { document } = await run.withStore((store) => store.read());
      const found = getSegmentOrThrow(document, key);
      run.out.result(withUsage(document, found), details(document, found));
    });
}

/** The fields of a segment the options name (create and update share them). */
function definitionOf(opts: SegmentOptions): SegmentUpdate & { name?: string; description?: string } {
  return {
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.description === undefined ? {} : { description: opts.description }),
    ...(opts.include === undefined ? {} : { included: commaList(opts.include) }),
    ...(opts.exclude === undefined ? {} : { excluded: commaList(opts.exclude) }),
    ...(opts.rule.length === 0 ? {} : { rules: opts.rule.map(parseSegmentRule) }),
  };
}

function parseSegmentRule(text: string): { conditions: AttributeCondition[] } {
  const conditions = text.split(/\s+and\s+/i).map((part) => {
    const condition = parseCondition(part);
    if ('segment' in condition) throw usageError('A segment rule cannot refer to another segment.', RULE_HINT);
    return condition;
  });
  return { conditions };
}

/**
 * Applies a segment operation. Changing a segment that flags use in a protected environment needs --reason, like
 * any change there (it changes who gets those flags).
 */
async function change(run: Invocation, key: string, operation: Operation, done: string): Promise<void> {
  const snapshot = await run.withStore(async (store) => {
    const { document } = await store.read();
    const protectedUse = segmentUsage(document, key).find(
      (u) => document.environments.find((e) => e.key === u.environment)?.protected,
    );
    return run.change(store, operation, protectedUse?.environment);
  });
  const after = snapshot.document.segments?.find((s) => s.key === key);
  run.out.result(
    { segment: after ? withUsage(snapshot.document, after) : null, revision: snapshot.revision },
    after ? `${done}\n${details(snapshot.document, after)}` : done,
  );
}

function withUsage(document: StoreDocument, segment: Segment): Segment & { usedBy: string[] } {
  return { ...segment, usedBy: segmentUsage(document, segment.key).map((u) => `${u.flagKey}/${u.environment}`) };
}

function summary(document: StoreDocument, segment: Segment): string {
  const usage = segmentUsage(document, segment.key);
  return (
    `${segment.key}${segment.name ? ` (${segment.name})` : ''}: ${segment.included.length} keys, ` +
    `${segment.rules.length} rules${usage.length ? `; used by ${describeUsage(usage)}` : ''}`
  );
}

function details(document: StoreDocument, segment: Segment): string {
  const lines = [summary(document, segment)];
  if (segment.description) lines.push(`  ${segment.description}`);
  if (segment.included.length) lines.push(`  included: ${segment.included.join(', ')}`);
  if (segment.excluded.length) lines.push(`  excluded: ${segment.excluded.join(', ')}`);
  segment.rules.forEach((r, i) => lines.push(`  rule ${i + 1}: ${r.conditions.map(formatCondition).join(' and ')}`));
  return lines.join('\n');
}

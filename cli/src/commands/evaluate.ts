import type { Command } from 'commander';
import type { Flag, FlagType, JsonValue } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { getEnvironmentOrThrow, getFlagOrThrow } from '../lookup.ts';
import { collect, parseEvaluationContext, parseJsonOption } from '../parse.ts';

interface EvaluateOptions {
  env: string;
  context?: string;
  key?: string;
  attr: string[];
  default?: string;
}

/**
 * `rollgate evaluate <flag> --env <env> [--context <json>] [--key <id>] [--attr k=v]…`: the value an app would
 * get, from the flagd engine on the compiled document, and why (rule matched, sticky bucket vs rollout, kill switch).
 */
export function registerEvaluateCommand(program: Command, deps: CliDeps): void {
  program
    .command('evaluate')
    .description('evaluate a flag for a user the way apps do, and explain why')
    .argument('<flag>', 'flag key')
    .requiredOption('--env <env>', 'environment')
    .option('--context <json>', 'the evaluation context as a JSON object, e.g. \'{"targetingKey":"u1","plan":"pro"}\'')
    .option('--key <targetingKey>', 'the targetingKey (user id) to bucket by')
    .option('--attr <name=value>', 'a context attribute (repeatable), e.g. plan=pro', collect, [])
    .option('--default <value>', 'the default value in the code (default: false, "", 0 or {} by flag type)')
    .action(async (key: string, opts: EvaluateOptions, command: Command) => {
      const run = invocation(command, deps);
      const context = parseEvaluationContext({
        ...(opts.context === undefined ? {} : { context: opts.context }),
        ...(opts.key === undefined ? {} : { key: opts.key }),
        attrs: opts.attr,
      });
      const { document } = await run.withStore((store) => store.read());
      const flag = getFlagOrThrow(document, key);
      getEnvironmentOrThrow(document, opts.env);
      const defaultValue = opts.default === undefined ? ZERO_VALUES[flag.type] : parseDefault(opts.default, flag);
      // Loaded on use: the engine is only needed here, and the other commands start faster without it.
      const { explainEvaluation } = await import('../explain.ts');
      const { result, ...explanation } = explainEvaluation({
        document,
        flag,
        environment: opts.env,
        context,
        defaultValue,
        now: run.now,
      });
      const { flagMetadata: _metadata, ...resolution } = result;
      run.out.result(
        {
          flagKey: key,
          environment: opts.env,
          context,
          ...resolution,
          explanation,
        },
        [
          `${key} in ${opts.env} for ${JSON.stringify(context)}`,
          `  value    ${JSON.stringify(result.value)}`,
          `  variant  ${result.variant ?? '(none: the code default)'}`,
          `  reason   ${result.reason}${result.errorCode === undefined ? '' : ` ${result.errorCode}: ${result.errorMessage ?? ''}`}`,
          'why:',
          ...explanation.why.map((line) => `  ${line}`),
        ].join('\n'),
      );
    });
}

const ZERO_VALUES: Readonly<Record<FlagType, JsonValue>> = { boolean: false, string: '', number: 0, object: {} };

/** Reads `--default` as a value of the flag's type. */
function parseDefault(text: string, flag: Flag): JsonValue {
  const value: JsonValue =
    flag.type === 'string'
      ? text
      : (parseJsonOption(text, '--default', flag.type === 'object' ? '{}' : 'false') as JsonValue);
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (actual !== flag.type) {
    throw usageError(
      `--default ${text} is not a ${flag.type}, the type of ${flag.key}.`,
      `Pass a ${flag.type}, e.g. --default ${JSON.stringify(ZERO_VALUES[flag.type])}.`,
    );
  }
  return value;
}

import type { Command } from 'commander';
import {
  createFlag,
  flagKindSchema,
  flagTypeSchema,
  type CreateFlagInput,
  type FlagType,
  type VariantValue,
} from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { getFlagOrThrow } from '../lookup.ts';
import { collect, parseJsonOption } from '../parse.ts';

interface CreateOptions {
  name?: string;
  description?: string;
  kind: string;
  type?: string;
  variant: string[];
  defaultVariant?: string;
  owner?: string;
  tag: string[];
  cleanupBy?: string;
}

/**
 * `rollgate create <flag>`: creates a flag, disabled in every environment. Without options: a boolean release flag
 * with variants on=true / off=false serving off.
 */
export function registerCreateCommand(program: Command, deps: CliDeps): void {
  program
    .command('create')
    .description('create a flag (off in every environment)')
    .argument('<flag>', 'flag key: lowercase letters, digits, ".", "_", "-"')
    .option('--name <name>', 'display name (default: from the key)')
    .option('--description <text>', 'what the flag is for')
    .option('--kind <kind>', `${flagKindSchema.options.join(', ')}`, 'release')
    .option('--type <type>', `${flagTypeSchema.options.join(', ')} (default: from the variants, else boolean)`)
    .option('--variant <name=value>', 'a variant and its value (repeatable; default on=true, off=false)', collect, [])
    .option(
      '--default-variant <name>',
      'the variant served while no rule or rollout applies (default: off, or the first)',
    )
    .option('--owner <owner>', 'owning team or person')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--cleanup-by <date>', 'date (YYYY-MM-DD) by which the flag should be gone from the code')
    .action(async (key: string, opts: CreateOptions, command: Command) => {
      const run = invocation(command, deps);
      const kind = flagKindSchema.safeParse(opts.kind);
      if (!kind.success) {
        throw usageError(`Unknown kind "${opts.kind}".`, `Use one of: ${flagKindSchema.options.join(', ')}.`);
      }
      const type = opts.type === undefined ? undefined : flagTypeSchema.safeParse(opts.type);
      if (type?.success === false) {
        throw usageError(`Unknown type "${opts.type ?? ''}".`, `Use one of: ${flagTypeSchema.options.join(', ')}.`);
      }
      const variants = parseVariants(opts.variant, type?.data);
      const input: CreateFlagInput = {
        key,
        name: opts.name ?? nameFromKey(key),
        kind: kind.data,
        ...(opts.description === undefined ? {} : { description: opts.description }),
        ...(type?.data === undefined ? {} : { type: type.data }),
        ...(variants === undefined ? {} : { variants }),
        ...(opts.defaultVariant === undefined ? {} : { defaultVariant: opts.defaultVariant }),
        ...(opts.owner === undefined ? {} : { owner: opts.owner }),
        ...(opts.tag.length === 0 ? {} : { tags: opts.tag }),
        ...(opts.cleanupBy === undefined ? {} : { cleanupBy: opts.cleanupBy }),
      };
      const snapshot = await run.withStore((store) => run.change(store, createFlag(input)));
      const flag = getFlagOrThrow(snapshot.document, key);
      run.out.result(
        { flag, revision: snapshot.revision },
        [
          `Created ${flag.kind} flag ${flag.key} (${flag.type}: ${Object.keys(flag.variants).join(', ')}), off in every environment.`,
          `Next: rollgate toggle ${flag.key} on --env development`,
        ].join('\n'),
      );
    });
}

/** `new-checkout` → `New checkout`. */
function nameFromKey(key: string): string {
  const words = key.replace(/[._-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Reads `--variant name=value` options. Values are read as `type` when given (strings as written, the others as
 * JSON); without a type, JSON literals (`true`, `3`, `{…}`) keep their type and anything else is a string.
 */
function parseVariants(specs: readonly string[], type: FlagType | undefined): Record<string, VariantValue> | undefined {
  if (specs.length === 0) return undefined;
  const variants: Record<string, VariantValue> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) {
      throw usageError(
        `Cannot read --variant "${spec}".`,
        'Write --variant <name>=<value>, e.g. --variant blue=#0000ff.',
      );
    }
    const name = spec.slice(0, eq);
    const text = spec.slice(eq + 1);
    variants[name] = type === 'string' ? text : readVariantValue(text, type === undefined);
  }
  return variants;
}

function readVariantValue(text: string, lenient: boolean): VariantValue {
  if (lenient && !/^\s*(true|false|-?\d|\{)/.test(text)) return text;
  const value = parseJsonOption(text, '--variant', 'on=true');
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as VariantValue;
  throw usageError(
    `--variant value ${text} is not a boolean, number, string or object.`,
    'Variant values are booleans, numbers, strings or JSON objects.',
  );
}

/**
 * Lookups with errors the model can act on: an unknown flag or environment names the nearest existing ones.
 */
import { FlagError } from '@rollgate/shared/errors';
import { didYouMean, type Environment, type Flag, type StoreDocument } from '@rollgate/shared/flags';

/** The flag `key`, or FLAG_NOT_FOUND with the nearest keys as a hint. */
export function requireFlag(document: StoreDocument, key: string): Flag {
  const flag = document.flags.find((f) => f.key === key);
  if (flag) return flag;
  throw new FlagError('FLAG_NOT_FOUND', `No flag "${key}".`, {
    flagKey: key,
    hint: hintFor(
      key,
      document.flags.map((f) => f.key),
      document.flags.length === 0
        ? 'There are no flags yet: create one with create-flag.'
        : 'Call list-flags to see the flags.',
    ),
  });
}

/** The environment `key`, or INVALID_INPUT naming the declared environments. */
export function requireEnvironment(document: StoreDocument, key: string): Environment {
  const environment = document.environments.find((e) => e.key === key);
  if (environment) return environment;
  throw new FlagError('INVALID_INPUT', `No environment "${key}".`, {
    environment: key,
    hint: hintFor(
      key,
      document.environments.map((e) => e.key),
      `Environments: ${document.environments.map((e) => e.key).join(', ')}.`,
    ),
  });
}

function hintFor(key: string, candidates: readonly string[], fallback: string): string {
  return didYouMean(key, candidates) ?? fallback;
}

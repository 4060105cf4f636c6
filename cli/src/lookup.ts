/** Lookups in a store document that fail with FLAG_NOT_FOUND (exit code 2) and list what does exist. */
import { FlagError } from '@rollgate/shared/errors';
import { didYouMean, type Environment, type Flag, type StoreDocument } from '@rollgate/shared/flags';

/** The flag `key`, or FLAG_NOT_FOUND with a hint naming the flags that exist. */
export function getFlagOrThrow(document: StoreDocument, key: string): Flag {
  const flag = document.flags.find((f) => f.key === key);
  if (flag === undefined) {
    const known = document.flags.map((f) => f.key);
    throw new FlagError('FLAG_NOT_FOUND', `No flag "${key}".`, {
      flagKey: key,
      hint:
        known.length === 0
          ? 'Create it with `rollgate create <key>`.'
          : (didYouMean(key, known) ?? `Known flags: ${known.join(', ')}; \`rollgate list\` shows them all.`),
    });
  }
  return flag;
}

/** The environment `key`, or FLAG_NOT_FOUND with a hint naming the environments that exist. */
export function getEnvironmentOrThrow(document: StoreDocument, key: string): Environment {
  const environment = document.environments.find((e) => e.key === key);
  if (environment === undefined) {
    const known = document.environments.map((e) => e.key);
    throw new FlagError('FLAG_NOT_FOUND', `No environment "${key}".`, {
      environment: key,
      hint: `${didYouMean(key, known) ?? ''} Use one of: ${known.join(', ')}.`.trim(),
    });
  }
  return environment;
}

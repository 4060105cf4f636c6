/**
 * What every snippet generator gets about a flag (key, type, safe default, flagd file path) and the wording
 * they share. Internal to `snippets/`.
 */
import type { Flag, VariantValue } from '../flags/model.ts';
import type { Snippet } from './generate.ts';

/** The environment whose default variant is the safe code default. */
export const SAFE_DEFAULT_ENVIRONMENT = 'production';
/** Placeholder targeting key: percentage rollouts bucket users on it, so pass the real user id. */
export const EXAMPLE_TARGETING_KEY = 'user-123';
/** Where `flagd start --uri file:<flagd file>` serves OFREP by default (web, mobile and PHP/Ruby snippets). */
export const FLAGD_OFREP_URL = 'http://localhost:8016';

/** The facts of one flag that a generator turns into code. */
export interface FlagFacts {
  readonly flag: Flag;
  readonly key: string;
  /** The compiled flagd file of the environment, as the app sees it. */
  readonly path: string;
  readonly defaultValue: VariantValue;
  /** True when every variant value is an integer (languages with int/float methods use the int one). */
  readonly integer: boolean;
}

/** One language's generator. */
export type Generator = (facts: FlagFacts) => Omit<Snippet, 'language'>;

/** The note explaining where the default in code comes from. */
export const defaultNote = (facts: FlagFacts, shown: string): string =>
  `Default ${shown} is the ${facts.flag.environments[SAFE_DEFAULT_ENVIRONMENT] ? 'production default variant' : "type's zero value (no production config)"}: apps get it when the provider is not ready or the flag is disabled.`;

/** `boolean` → `Boolean`: the type part of OpenFeature method names (`getBooleanValue`). */
export const typeName = (type: Flag['type']): string => type[0]!.toUpperCase() + type.slice(1);

/** The note of snippets that evaluate through a flagd daemon serving the compiled file. */
export const flagdDaemonNote = (facts: FlagFacts, protocol: string): string =>
  `This platform has no in-process flagd provider: serve the compiled file with \`flagd start --uri file:${facts.path}\` and the snippet evaluates over ${protocol}.`;

/**
 * The two lines setting up a browser-side OpenFeature API (web SDK, React, React Native, Vue): the OFREP web
 * provider against flagd and the static evaluation context.
 */
export const webProviderSetup = (): string =>
  `void OpenFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl: '${FLAGD_OFREP_URL}' }));
void OpenFeature.setContext({ targetingKey: '${EXAMPLE_TARGETING_KEY}' });`;

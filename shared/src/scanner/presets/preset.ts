/** The shape of one SDK preset: its packages, the calls that take a key, and its JSX components and flag objects. */
import type { CallPattern, ComponentPattern, FlagObjectPattern, Sdk } from '../types.ts';

/** A call pattern without the SDK, which the preset gives (and the packages, unless the call narrows them). */
export type CallSpec = Omit<CallPattern, 'sdk'>;

/** One SDK preset. */
export interface Preset {
  readonly sdk: Sdk;
  /**
   * The npm packages of the SDK (`@scope/*` for a whole scope). A dependency on one of them in a package.json turns
   * the preset on, and a call counts for the preset only when its callee comes from one of them (where that can be
   * resolved).
   */
  readonly packages: readonly string[];
  readonly calls: readonly CallSpec[];
  readonly components?: readonly Omit<ComponentPattern, 'sdk' | 'packages'>[];
  readonly flagObjects?: readonly Omit<FlagObjectPattern, 'sdk' | 'packages'>[];
}

/** `{ function, keyArgument }` of a call returning a value of `valueType` (or unknown), without a default. */
export function call(
  fn: string,
  keyArgument: number,
  extra: Partial<Omit<CallSpec, 'function' | 'keyArgument'>> = {},
): CallSpec {
  return { function: fn, keyArgument, callKind: 'unknown', returns: 'value', ...extra };
}

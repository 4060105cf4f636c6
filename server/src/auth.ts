/**
 * Who may read which environment. Delivery endpoints take an SDK key (read-only, one environment each). Without any
 * active key a server bound to loopback is open: the request names the environment. A server bound to any other
 * address never runs open (main.ts refuses to start without keys, and {@link createAccessControl} requires a key).
 */
import type { SdkKeyStore } from '@rollgate/shared/store';
import { SDK_KEY_PREFIX } from '@rollgate/shared/store';

/** Access to one environment, or why not (401: no/unknown key; 403: the key is for another environment; 400: none named). */
export type AccessResult =
  | { readonly ok: true; readonly environment: string }
  | { readonly ok: false; readonly status: 400 | 401 | 403; readonly message: string };

export interface AccessControl {
  /**
   * Decides access for a request carrying `secret` (an SDK key, or undefined) that names `requested` (an environment,
   * or undefined). With a valid key the environment is the key's; naming another one is 403. `howToName` tells a
   * keyless caller how to name the environment (400). Never throws for bad input; a store failure rejects.
   */
  check(secret: string | undefined, requested: string | undefined, howToName: string): Promise<AccessResult>;
}

/**
 * Access control over `keys`. `loopbackOnly`: the server listens on loopback only; then, and only while no key is
 * active, a request without a key may read the environment it names.
 */
export function createAccessControl(keys: SdkKeyStore, loopbackOnly: boolean): AccessControl {
  return {
    async check(secret, requested, howToName) {
      if (secret !== undefined) {
        const key = await keys.verify(secret);
        if (key === undefined) {
          return {
            ok: false,
            status: 401,
            message: 'Unknown or revoked SDK key. Create one with `rollgate keys create --env <env>`.',
          };
        }
        if (requested !== undefined && requested !== key.environment) {
          return {
            ok: false,
            status: 403,
            message: `This SDK key is for "${key.environment}", not "${requested}". Use a key of "${requested}".`,
          };
        }
        return { ok: true, environment: key.environment };
      }
      if (!loopbackOnly || (await keys.hasActiveKeys())) {
        return {
          ok: false,
          status: 401,
          message: 'This server requires an SDK key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`.',
        };
      }
      if (requested === undefined) {
        return {
          ok: false,
          status: 400,
          message: `No environment named: ${howToName}, or send an SDK key (it names its environment).`,
        };
      }
      return { ok: true, environment: requested };
    },
  };
}

/** The SDK key of `Authorization: Bearer <key>` or `X-API-Key: <key>`, or undefined when neither is present. */
export function secretFromHeaders(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const key = bearer ?? apiKey?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** True when a flagd selector is an SDK key (stock flagd providers can send a selector, but no custom header). */
export function isSdkKey(value: string): boolean {
  return value.startsWith(SDK_KEY_PREFIX);
}

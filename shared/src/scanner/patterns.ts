/**
 * Built-in call patterns of the supported SDKs, one preset per file in `presets/`. OpenFeature is always on; the
 * other presets are switched on by the SDK packages a repo depends on (see `detectPresets`) or in
 * `.rollgate/scanner.yaml`. A call counts for a preset only when its callee comes from the SDK's packages where
 * that can be resolved, so an app's own `useVariant(variant)` is not Unleash's.
 */
import { SDK_PRESETS } from './types.ts';
import type { CallPattern, ComponentPattern, FlagObjectPattern, SdkPreset } from './types.ts';
import type { Preset } from './presets/preset.ts';
import { OPENFEATURE } from './presets/openfeature.ts';
import { LAUNCHDARKLY } from './presets/launchdarkly.ts';
import { UNLEASH } from './presets/unleash.ts';
import { GROWTHBOOK } from './presets/growthbook.ts';
import { STATSIG } from './presets/statsig.ts';
import { CONFIGCAT } from './presets/configcat.ts';
import { POSTHOG } from './presets/posthog.ts';
import { FLAGSMITH } from './presets/flagsmith.ts';
import { DEVCYCLE } from './presets/devcycle.ts';
import { VWO } from './presets/vwo.ts';
import { isFromPackages } from './resolve-key.ts';

const PRESETS: Readonly<Record<SdkPreset, Preset>> = {
  launchdarkly: LAUNCHDARKLY,
  unleash: UNLEASH,
  growthbook: GROWTHBOOK,
  statsig: STATSIG,
  configcat: CONFIGCAT,
  posthog: POSTHOG,
  flagsmith: FLAGSMITH,
  devcycle: DEVCYCLE,
  vwo: VWO,
};


function enabled(presets: readonly SdkPreset[]): Preset[] {
  return [OPENFEATURE, ...presets.map((p) => PRESETS[p])];
}

/**
 * The patterns to scan for: OpenFeature (always), then the given presets, then user-declared wrappers. Each preset
 * call carries the SDK's packages (see {@link CallPattern.packages}).
 */
export function createPatterns(
  presets: readonly SdkPreset[] = [],
  wrappers: readonly CallPattern[] = [],
): CallPattern[] {
  return [
    ...enabled(presets).flatMap((preset) =>
      preset.calls.map((c): CallPattern => ({ packages: preset.packages, ...c, sdk: preset.sdk })),
    ),
    ...wrappers,
  ];
}

/** The JSX flag components of OpenFeature and the given presets, then the user-declared ones. */
export function createComponentPatterns(
  presets: readonly SdkPreset[] = [],
  custom: readonly ComponentPattern[] = [],
): ComponentPattern[] {
  return [
    ...enabled(presets).flatMap((preset) =>
      (preset.components ?? []).map((c): ComponentPattern => ({ ...c, sdk: preset.sdk, packages: preset.packages })),
    ),
    ...custom,
  ];
}

/** The flag-object hooks and HOCs of the given presets (`useFlags()`, `withLDConsumer()`). */
export function createFlagObjectPatterns(presets: readonly SdkPreset[] = []): FlagObjectPattern[] {
  return enabled(presets).flatMap((preset) =>
    (preset.flagObjects ?? []).map((o): FlagObjectPattern => ({ ...o, sdk: preset.sdk, packages: preset.packages })),
  );
}

/** The presets whose SDK packages are among `dependencies` (package names from package.json files), in order. */
export function detectPresets(dependencies: Iterable<string>): SdkPreset[] {
  const names = [...dependencies];
  return SDK_PRESETS.filter((sdk) => names.some((name) => isFromPackages(name, PRESETS[sdk].packages)));
}

/**
 * Staged audiences: a plan step is a percentage (`5`) or an audience step (`{segment: "internal"}`,
 * `{segments: ["enterprise", "mobile"], percentage: 10}`). What a step serves is cumulative: the union of the segments
 * of every step reached so far, plus the step's percentage of everyone else (an audience step without a percentage
 * keeps the previous step's). It is written to the environment's `rollout` (`percentage` + `segments`), which compiles
 * to flagd as "in any segment → variant, else fractional" (docs/rollout.md, "Staged audiences").
 */
import type { RolloutPlan } from '../flags/model.ts';
import { stepSegments } from '../flags/segment-check.ts';

/** One entry of `RolloutPlan.steps`. */
export type PlanStep = RolloutPlan['steps'][number];

/** What a plan serves at one step: the percentage of everyone and the segments reached (empty: none). */
export interface ServedAudience {
  readonly percentage: number;
  readonly segments: readonly string[];
}

/** What the plan serves at `stepIndex` (nothing before the first step, index -1). Never throws. */
export function servedAt(plan: Pick<RolloutPlan, 'steps'>, stepIndex: number): ServedAudience {
  let percentage = 0;
  const segments: string[] = [];
  plan.steps.slice(0, Math.max(stepIndex + 1, 0)).forEach((step) => {
    percentage = typeof step === 'number' ? step : (step.percentage ?? percentage);
    for (const s of stepSegments(step)) if (!segments.includes(s)) segments.push(s);
  });
  return { percentage, segments };
}

/** `5%`, `internal`, `enterprise + mobile, 10%`: a step as people read it. Never throws. */
export function formatStep(step: PlanStep): string {
  if (typeof step === 'number') return `${step}%`;
  const names = stepSegments(step).join(' + ');
  return step.percentage === undefined ? names : `${names}, ${step.percentage}%`;
}

/**
 * Why a list of steps does not progress, or undefined when it does: every step must serve more than the one before
 * (a higher percentage, or a new segment at a percentage that does not go down).
 */
export function stepsProblem(steps: readonly PlanStep[]): string | undefined {
  for (let i = 1; i < steps.length; i++) {
    const before = servedAt({ steps: [...steps] }, i - 1);
    const now = servedAt({ steps: [...steps] }, i);
    const grows =
      now.percentage > before.percentage ||
      (now.percentage === before.percentage && now.segments.length > before.segments.length);
    if (!grows) return `step ${i + 1} (${formatStep(steps[i] ?? 0)}) serves no more than step ${i}`;
  }
  return undefined;
}

/**
 * The progressive rollout controller: on every tick, for every running plan, read the guardrail metrics of the
 * current step, decide (hold / advance / complete / rollback / pause / lock) and commit the decision through a
 * store operation, so it lands in the audit log with the numbers behind it.
 */
import type { EnvironmentConfig, Flag, Guardrail, JsonValue, RolloutPlan } from '../flags/model.ts';
import type { ChangeContext, Operation } from '../flags/operations.ts';
import { applyOperation } from '../flags/operations.ts';
import type { FlagStore } from '../store/types.ts';
import type { Disposable } from '../lifecycle.ts';
import { errorMessage } from '../errors.ts';
import { approvalGateAction, chain } from './approval-gate.ts';
import type { ArmSummary, GuardrailCheck, ThresholdCheck } from './guardrails.ts';
import {
  countGuardrailTests,
  evaluateGuardrail,
  formatMetricValue,
  isHardStop,
  sliceLabel,
  sourceErrorCheck,
  thresholdPower,
} from './guardrails.ts';
import type { MetricSource } from './metrics.ts';
import { findMetricProblem, missingSlices } from './sanity.ts';
import type { AttributeMix } from './representativeness.ts';
import { checkRepresentativeness } from './representativeness.ts';
import type { ControllerDecision, RolloutTarget } from './plan.ts';
import { controllerDecisionOperation, nextStep } from './plan.ts';
import { servedAt } from './audience-steps.ts';
import type { SampleRatioResult } from './stats.ts';
import { testSampleRatio } from './stats.ts';

/** Metric sources by the guardrail `source` they serve. */
export type MetricSources = Readonly<Partial<Record<Guardrail['source'], MetricSource>>>;

/** Everything the controller needs, injected. */
export interface RolloutControllerOptions {
  readonly store: FlagStore;
  readonly sources: MetricSources;
  /** Clock (tests and simulations pass a simulated one). */
  readonly now: () => Date;
  /** Audit actor; default `controller`. */
  readonly actor?: string;
}

/** One evaluation of one running plan: the checks and the decision. */
export interface RolloutEvaluation extends RolloutTarget {
  readonly at: string;
  readonly variant: string;
  readonly controlVariant: string;
  readonly stepIndex: number;
  readonly percentage: number;
  readonly elapsedMinutes: number;
  /** False-alarm budget of each sequential test at this step. */
  readonly alphaPerTest: number;
  readonly checks: readonly GuardrailCheck[];
  /** Sample-ratio check; undefined when it does not apply (targeting rules change the split, or no data). */
  readonly sampleRatio: SampleRatioResult | undefined;
  /** The canary's mix of each sliced attribute vs the population's (empty without slices). */
  readonly representativeness: readonly AttributeMix[];
  readonly decision: ControllerDecision;
}

/** What one tick did for one plan. */
export interface TickResult extends RolloutTarget {
  readonly evaluation: RolloutEvaluation;
  /** True when the decision was committed; false for an unchanged hold or a refused (stale) decision. */
  readonly committed: boolean;
  /** Why a decision could not be committed (store conflict or I/O); the plan is re-checked next tick. */
  readonly error?: string;
}

/** Keeps numbers JSON-safe (no NaN/Infinity) and short, for audit `data`. */
function num(value: number | undefined): JsonValue {
  if (value === undefined || !Number.isFinite(value)) return null;
  return Number(value.toPrecision(6));
}

function thresholdData(t: ThresholdCheck, samples: number, alpha: number): JsonValue {
  const power = thresholdPower(t, samples, alpha);
  return {
    kind: t.kind,
    limit: num(t.limit),
    z: num(t.test.z),
    logLikelihoodRatio: num(t.test.logLikelihoodRatio),
    logBoundary: num(t.test.logBoundary),
    rejected: t.test.rejected,
    effect: num(t.test.effect),
    ...(power ? { power: num(power.power), samplesForTargetPower: num(power.samplesForTargetPower) } : {}),
    ...(t.hardStop
      ? {
          hardStop: {
            threshold: num(t.hardStop.threshold),
            logLikelihoodRatio: num(t.hardStop.logLikelihoodRatio),
            fired: t.hardStop.fired,
          },
        }
      : {}),
  };
}

function armData(arm: ArmSummary): JsonValue {
  return { samples: num(arm.samples), value: num(arm.value) };
}

function checkData(check: GuardrailCheck, alpha: number): JsonValue {
  return {
    name: check.name,
    metric: check.metric,
    source: check.source,
    verdict: check.verdict,
    // The raw offending value as text: NaN, Infinity and 1e308 must reach the decision log as they were sent.
    ...(check.invalidMetrics
      ? {
          invalidMetrics: {
            field: check.invalidMetrics.field,
            value: String(check.invalidMetrics.value),
            why: check.invalidMetrics.why,
          },
        }
      : {}),
    treatment: armData(check.treatment),
    control: armData(check.control),
    thresholds: check.thresholds.map((t) => thresholdData(t, check.treatment.samples, alpha)),
    ...(check.slices.length > 0
      ? {
          slices: check.slices.map((s) => ({
            attribute: s.attribute,
            value: s.value,
            verdict: s.verdict,
            treatment: armData(s.treatment),
            control: armData(s.control),
            thresholds: s.thresholds.map((t) => thresholdData(t, s.treatment.samples, alpha)),
          })),
        }
      : {}),
  };
}

function minutesBetween(from: string | undefined, to: Date): number {
  if (from === undefined) return 0;
  return (to.getTime() - new Date(from).getTime()) / 60_000;
}

/**
 * Evaluates one running plan now, without writing anything: queries the sources for the current step's window,
 * runs the guardrail tests and the sample-ratio check, and decides. Never throws for a failing source (the
 * guardrail reports `source-error` and the decision is a hold).
 */
export async function evaluateRollout(
  flag: Flag,
  environment: string,
  config: EnvironmentConfig,
  plan: RolloutPlan,
  sources: MetricSources,
  now: Date,
): Promise<RolloutEvaluation> {
  const stepIndex = plan.state.stepIndex;
  const expectedAudience = servedAt(plan, stepIndex);
  const expected = expectedAudience.percentage;
  const ours = config.rollout?.variant === plan.variant ? config.rollout : undefined;
  const percentage = ours?.percentage ?? 0;
  const segments = ours?.segments ?? [];
  const elapsedMinutes = minutesBetween(plan.state.stepStartedAt, now);
  const observedSteps = Math.max(plan.steps.filter((_, i) => servedAt(plan, i).percentage < 100).length, 1);
  const tests = plan.guardrails.reduce((sum, g) => sum + countGuardrailTests(g), 0) + 1;
  const alphaPerTest = plan.falseAlarmRate / (observedSteps * tests);
  const base = {
    flagKey: flag.key,
    environment,
    at: now.toISOString(),
    variant: plan.variant,
    controlVariant: config.defaultVariant,
    stepIndex,
    percentage,
    elapsedMinutes,
    alphaPerTest,
  };
  const data = (extra: Record<string, JsonValue>): Record<string, JsonValue> => ({
    stepIndex,
    percentage,
    elapsedMinutes: num(elapsedMinutes),
    ...extra,
  });

  if (!config.enabled) {
    const reasons = ['kill switch: the flag was disabled; the plan is locked at 0% until a human resumes it'];
    return {
      ...base,
      checks: [],
      sampleRatio: undefined,
      representativeness: [],
      decision: { decision: 'lock', codes: ['kill-switch'], reasons, data: data({}) },
    };
  }
  if (percentage !== expected || segments.join(',') !== expectedAudience.segments.join(',')) {
    const reasons = [
      `served percentage ${percentage}%${segments.length ? ` + ${segments.join(', ')}` : ''} differs from the plan's ` +
        `step (${expected}%${expectedAudience.segments.length ? ` + ${expectedAudience.segments.join(', ')}` : ''}): ` +
        'it was changed outside the plan',
    ];
    return {
      ...base,
      checks: [],
      sampleRatio: undefined,
      representativeness: [],
      decision: { decision: 'pause', codes: ['rollout-changed'], reasons, data: data({ expected }) },
    };
  }

  const start = new Date(plan.state.stepStartedAt ?? now.toISOString());
  const testOptions = { alpha: alphaPerTest, minSamples: plan.minSamplesPerStep };
  const checks = await Promise.all(
    plan.guardrails.map(async (guardrail): Promise<GuardrailCheck> => {
      const source = sources[guardrail.source];
      if (!source) {
        return sourceErrorCheck(guardrail, `no "${guardrail.source}" metric source is configured for the controller`);
      }
      try {
        const observation = await source.observe({
          flagKey: flag.key,
          environment,
          guardrail,
          treatment: plan.variant,
          control: config.defaultVariant,
          start,
          end: now,
        });
        const missing = missingSlices(guardrail, observation);
        if (missing) return sourceErrorCheck(guardrail, `${source.name}: ${missing}`);
        const problem = findMetricProblem(guardrail, observation);
        if (problem) return sourceErrorCheck(guardrail, source.name, problem);
        return evaluateGuardrail(guardrail, observation, testOptions);
      } catch (e) {
        return sourceErrorCheck(guardrail, `${source.name}: ${errorMessage(e)}`);
      }
    }),
  );

  const counted = checks.find((c) => c.verdict !== 'source-error' && c.treatment.samples + c.control.samples > 0);
  const sampleRatio =
    // Segments served on top of the percentage skew the expected ratio: no sample-ratio test then.
    counted && config.rules.length === 0 && segments.length === 0 && percentage > 0 && percentage < 100
      ? testSampleRatio(counted.treatment.samples, counted.control.samples, percentage / 100, alphaPerTest)
      : undefined;
  const representativeness = checkRepresentativeness(checks, plan.minSamplesPerStep);
  const numbers = data({
    alphaPerTest: num(alphaPerTest),
    guardrails: checks.map((c) => checkData(c, alphaPerTest)),
    ...(representativeness.length > 0
      ? {
          representativeness: representativeness.map((m) => ({
            attribute: m.attribute,
            distance: num(m.distance),
            skewed: m.skewed,
            shares: m.shares.map((s) => ({ value: s.value, treatment: num(s.treatment), control: num(s.control) })),
          })),
        }
      : {}),
    ...(sampleRatio
      ? {
          sampleRatio: {
            treatment: num(sampleRatio.treatment),
            control: num(sampleRatio.control),
            expectedShare: num(sampleRatio.expectedShare),
            observedShare: num(sampleRatio.observedShare),
            logBayesFactor: num(sampleRatio.logBayesFactor),
            logBoundary: num(sampleRatio.logBoundary),
            mismatch: sampleRatio.mismatch,
          },
        }
      : {}),
  });
  return {
    ...base,
    checks,
    sampleRatio,
    representativeness,
    decision: decide(plan, checks, sampleRatio, elapsedMinutes, numbers),
  };
}

/** `breach:errors`, `hard-stop:errors`, `breach:errors[platform=mobile]`: what broke, slice by slice. */
function breachCodes(check: GuardrailCheck): string[] {
  const units = [
    ...(check.thresholds.some((t) => t.test.rejected || t.hardStop?.fired) ? [{ label: check.name, unit: check }] : []),
    ...check.slices.filter((s) => s.verdict === 'breach').map((s) => ({ label: sliceLabel(check.name, s), unit: s })),
  ];
  return units.map(({ label, unit }) => `${isHardStop(unit) ? 'hard-stop' : 'breach'}:${label}`);
}

function decide(
  plan: RolloutPlan,
  checks: readonly GuardrailCheck[],
  sampleRatio: SampleRatioResult | undefined,
  elapsedMinutes: number,
  data: Record<string, JsonValue>,
): ControllerDecision {
  const breached = checks.filter((c) => c.verdict === 'breach');
  if (breached.length > 0) {
    return {
      decision: plan.onBreach === 'rollback' ? 'rollback' : 'pause',
      codes: breached.flatMap(breachCodes),
      reasons: breached.map((c) => c.message),
      data,
    };
  }
  if (sampleRatio?.mismatch) {
    const share = formatMetricValue('proportion', sampleRatio.observedShare);
    const expected = formatMetricValue('proportion', sampleRatio.expectedShare);
    return {
      decision: 'pause',
      codes: ['sample-ratio-mismatch'],
      reasons: [
        `sample ratio mismatch: the new variant got ${share} of samples instead of ${expected} (ln BF=${sampleRatio.logBayesFactor.toFixed(2)} ≥ ${sampleRatio.logBoundary.toFixed(2)}); assignment or metric attribution is broken, so guardrails cannot be trusted: fix it, then resume`,
      ],
      data,
    };
  }
  const codes: string[] = [];
  const reasons: string[] = [];
  for (const check of checks) {
    if (check.verdict === 'pass') continue;
    codes.push(`${check.invalidMetrics ? 'invalid-metrics' : check.verdict}:${check.name}`);
    reasons.push(check.message);
  }
  if (elapsedMinutes < plan.minStepDurationMinutes) {
    codes.push('min-duration');
    reasons.push(`step held ${elapsedMinutes.toFixed(1)} of ${plan.minStepDurationMinutes} minutes`);
  }
  if (checks.length === 0) {
    codes.push('no-guardrails');
    reasons.push('the plan has no guardrails, so there is no data to advance on; add one and restart the plan');
  }
  if (codes.length > 0) return { decision: 'hold', codes, reasons, data };
  const completed = nextStep(plan, plan.state.stepIndex).completed;
  return {
    decision: completed ? 'complete' : 'advance',
    codes: ['all-guardrails-pass'],
    reasons: [
      `every guardrail passed with ≥ ${plan.minSamplesPerStep} samples after ${elapsedMinutes.toFixed(1)} minutes`,
    ],
    data,
  };
}

function sameCodes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((code, i) => code === b[i]);
}

/**
 * Drives every running plan of a store. `tick()` evaluates and commits one decision per plan; run it on an
 * interval (`rollgate controller`) or from a simulation with a simulated clock. Holds are written to the audit
 * log only when their reasons change (not on every tick). Disabling a flag (kill switch) locks its running or
 * paused plan at 0% on the next tick.
 */
export class RolloutController implements Disposable {
  private readonly options: RolloutControllerOptions;
  private readonly latestByPlan = new Map<string, RolloutEvaluation>();
  private running: Promise<TickResult[]> | undefined;
  private disposed = false;

  constructor(options: RolloutControllerOptions) {
    this.options = options;
  }

  /**
   * Checks every running (and, for the kill switch, paused) plan once. Concurrent calls share one tick.
   * Errors: STORE_IO / PARSE_ERROR when the store cannot be read; per-plan commit failures are reported in the
   * results instead.
   */
  tick(): Promise<TickResult[]> {
    if (this.disposed) return Promise.resolve([]);
    this.running ??= this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The latest evaluation of a plan made by this controller, for status pages. */
  getLatestEvaluation(target: RolloutTarget): RolloutEvaluation | undefined {
    return this.latestByPlan.get(`${target.flagKey}\u0000${target.environment}`);
  }

  dispose(): void {
    this.disposed = true;
    this.latestByPlan.clear();
  }

  private async runTick(): Promise<TickResult[]> {
    const { store, sources } = this.options;
    const snapshot = await store.read();
    const now = this.options.now();
    const results: TickResult[] = [];
    for (const flag of snapshot.document.flags) {
      for (const [environment, config] of Object.entries(flag.environments)) {
        const plan = config.plan;
        if (!plan) continue;
        const watched = plan.state.status === 'running' || (plan.state.status === 'paused' && !config.enabled);
        if (!watched) continue;
        const evaluated = await evaluateRollout(flag, environment, config, plan, sources, now);
        const gate = approvalGateAction(
          snapshot.document,
          { flagKey: flag.key, environment },
          plan,
          evaluated.decision,
        );
        const evaluation = gate ? { ...evaluated, decision: gate.decision } : evaluated;
        this.latestByPlan.set(`${flag.key}\u0000${environment}`, evaluation);
        results.push(await this.commit(plan, evaluation, gate?.then));
      }
    }
    return results;
  }

  /** Commits the decision, and `then` (an approval gate's change request) in the same commit. */
  private async commit(plan: RolloutPlan, evaluation: RolloutEvaluation, then?: Operation): Promise<TickResult> {
    const { decision } = evaluation;
    const target = { flagKey: evaluation.flagKey, environment: evaluation.environment };
    const last = plan.state.lastCheck;
    if (decision.decision === 'hold' && last?.decision === 'hold' && sameCodes(last.codes, decision.codes)) {
      return { ...target, evaluation, committed: false };
    }
    const context: ChangeContext = {
      actor: this.options.actor ?? 'controller',
      now: () => new Date(evaluation.at),
    };
    const expected = {
      status: plan.state.status,
      stepIndex: plan.state.stepIndex,
      stepStartedAt: plan.state.stepStartedAt,
    };
    try {
      const operation = controllerDecisionOperation(target, expected, decision);
      await applyOperation(this.options.store, then ? chain(operation, then) : operation, context);
      return { ...target, evaluation, committed: true };
    } catch (e) {
      return { ...target, evaluation, committed: false, error: errorMessage(e) };
    }
  }
}

/**
 * The rollout page: one markdown document per flag and environment with the plan, the current step, the
 * guardrails and their latest values, and the timeline of decisions from the audit log.
 */
import type { AuditEntry, Flag, Guardrail, JsonValue } from '../flags/model.ts';
import type { RolloutEvaluation } from './controller.ts';
import type { GuardrailCheck, SliceCheck, ThresholdCheck } from './guardrails.ts';
import { TARGET_POWER, formatMetricValue, sliceLabel, thresholdPower } from './guardrails.ts';
import { MAX_MIX_DISTANCE } from './representativeness.ts';
import { formatStep, type PlanStep } from './audience-steps.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function describeLimits(guardrail: Guardrail): string {
  const unit = guardrail.metric === 'latency' ? 'ms' : 'proportion';
  const parts: string[] = [];
  if (guardrail.max !== undefined) parts.push(`≤ ${formatMetricValue(unit, guardrail.max)}`);
  if (guardrail.min !== undefined) parts.push(`≥ ${formatMetricValue(unit, guardrail.min)}`);
  if (guardrail.maxRelativeDegradation !== undefined) {
    parts.push(`≤ ${Math.round(guardrail.maxRelativeDegradation * 100)}% worse than control`);
  }
  return parts.join(', ');
}

/** The served percentage an audit entry set, from its `…/rollout/percentage` or whole `…/rollout` change. */
function percentageOf(entry: AuditEntry): string {
  for (const change of entry.changes) {
    const after: JsonValue | undefined = change.after;
    if (change.path.endsWith('/rollout/percentage') && typeof after === 'number') return `${after}%`;
    if (change.path.endsWith('/rollout')) {
      if (after === undefined) return '0%';
      if (
        typeof after === 'object' &&
        after !== null &&
        !Array.isArray(after) &&
        typeof after.percentage === 'number'
      ) {
        return `${after.percentage}%`;
      }
    }
  }
  return '';
}

function describePower(thresholds: readonly ThresholdCheck[], samples: number, alpha: number): string {
  return thresholds
    .map((t) => {
      const power = thresholdPower(t, samples, alpha);
      if (!power) return `${t.kind}: n/a`;
      const needed = Number.isFinite(power.samplesForTargetPower)
        ? `; ${power.samplesForTargetPower} for ${TARGET_POWER * 100}%`
        : '';
      return `${t.kind}: ${Math.round(power.power * 100)}%${needed}`;
    })
    .join(', ');
}

interface MixRow {
  readonly attribute: string;
  readonly distance: number;
  readonly skewed: boolean;
  readonly shares: readonly { value: string; treatment: number; control: number }[];
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mixes a decision recorded in its audit `data` (see controller.ts). */
function mixesOf(data: JsonValue | undefined): MixRow[] {
  if (!isObject(data) || !Array.isArray(data.representativeness)) return [];
  return data.representativeness.filter(isObject).map((m) => ({
    attribute: typeof m.attribute === 'string' ? m.attribute : '?',
    distance: typeof m.distance === 'number' ? m.distance : Number.NaN,
    skewed: m.skewed === true,
    shares: (Array.isArray(m.shares) ? m.shares : []).filter(isObject).map((s) => ({
      value: typeof s.value === 'string' ? s.value : '?',
      treatment: typeof s.treatment === 'number' ? s.treatment : Number.NaN,
      control: typeof s.control === 'number' ? s.control : Number.NaN,
    })),
  }));
}

/**
 * Per step, the canary's mix of each sliced attribute against the population's: the last mix the controller
 * recorded at that step (audit `data`), and the latest evaluation's for the current step.
 */
function representativenessSection(
  audit: readonly AuditEntry[],
  flagKey: string,
  environment: string,
  steps: readonly PlanStep[],
  latest: RolloutEvaluation | undefined,
): string[] {
  const byStep = new Map<number, MixRow[]>();
  for (const e of [...audit].sort((a, b) => a.revision - b.revision)) {
    if (e.flagKey !== flagKey || e.environment !== environment || e.data === undefined) continue;
    const mixes = mixesOf(e.data);
    const step = e.data.stepIndex;
    if (mixes.length > 0 && typeof step === 'number') byStep.set(step, mixes);
  }
  if (latest && latest.representativeness.length > 0) byStep.set(latest.stepIndex, [...latest.representativeness]);
  if (byStep.size === 0) return [];
  const lines = [
    '## Canary representativeness',
    '',
    `The canary's mix of each sliced attribute vs the population's (control); skewed when the total-variation distance exceeds ${MAX_MIX_DISTANCE * 100} points.`,
    '',
    '| Step | Attribute | Canary vs population | Distance | Mix |',
    '|---|---|---|---|---|',
  ];
  for (const [step, mixes] of [...byStep].sort(([a], [b]) => a - b)) {
    for (const m of mixes) {
      const pct = (x: number) => formatMetricValue('proportion', x);
      const shares = m.shares.map((s) => `${s.value} ${pct(s.treatment)} vs ${pct(s.control)}`).join(', ');
      lines.push(
        `| ${step in steps ? formatStep(steps[step] ?? 0) : '?'} | ${cell(m.attribute)} | ${cell(shares)} | ${pct(m.distance)} | ${m.skewed ? '**SKEWED**' : 'ok'} |`,
      );
    }
  }
  lines.push('');
  return lines;
}

/**
 * Renders the rollout page of `flag` in `environment` as markdown. `audit` is the flag's audit log (any order;
 * only rollout entries of this environment are shown, oldest first); `latest` is the controller's latest
 * evaluation, when one is at hand, for the guardrails' current values.
 */
export function renderRolloutPage(
  flag: Flag,
  environment: string,
  audit: readonly AuditEntry[],
  latest?: RolloutEvaluation,
): string {
  const config = flag.environments[environment];
  const plan = config?.plan;
  const lines: string[] = [`# Rollout: ${flag.key} (${environment})`, ''];
  if (!config || !plan) {
    lines.push(`No rollout plan for \`${flag.key}\` in ${environment}.`, '');
    return lines.join('\n');
  }
  const served = config.rollout?.variant === plan.variant ? config.rollout.percentage : 0;
  const stepList = plan.steps
    .map((s, i) => (i === plan.state.stepIndex ? `**${formatStep(s)}**` : formatStep(s)))
    .join(' → ');
  lines.push(
    `- Status: **${plan.state.status}**${plan.state.reason ? ` — ${plan.state.reason}` : ''}`,
    `- Flag: ${config.enabled ? 'enabled' : 'disabled (kill switch)'}; variant \`${plan.variant}\` vs control \`${config.defaultVariant}\``,
    `- Serving \`${plan.variant}\` to **${served}%**; steps: ${stepList}`,
    `- Current step started: ${plan.state.stepStartedAt ?? 'n/a'}; each step holds ≥ ${plan.minStepDurationMinutes} min and ≥ ${plan.minSamplesPerStep} samples`,
    `- On breach: ${plan.onBreach}; false-alarm bound over the plan: ${plan.falseAlarmRate}`,
    '',
    '## Guardrails',
    '',
  );
  const checks = new Map((latest?.checks ?? []).map((c) => [c.name, c]));
  lines.push(
    '| Guardrail | Metric | Source | Limits | Treatment | Control | Verdict | Detection power |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const g of plan.guardrails) {
    const check = checks.get(g.name);
    const metric = g.metric === 'latency' ? `p${g.percentile ?? 95} latency` : g.metric;
    const row = (name: string, unit: (GuardrailCheck | SliceCheck) | undefined, units: GuardrailCheck['unit']) => {
      const arm = (side: 'treatment' | 'control'): string =>
        unit ? `${formatMetricValue(units, unit[side].value)} (n=${unit[side].samples})` : 'n/a';
      const power = unit && latest ? describePower(unit.thresholds, unit.treatment.samples, latest.alphaPerTest) : '';
      return `| ${cell(name)} | ${metric} | ${g.source} | ${cell(describeLimits(g))} | ${arm('treatment')} | ${arm('control')} | ${unit?.verdict ?? 'not checked yet'} | ${power} |`;
    };
    lines.push(row(g.name, check, check?.unit ?? 'proportion'));
    for (const slice of check?.slices ?? []) {
      lines.push(row(sliceLabel(g.name, slice), slice, check?.unit ?? 'proportion'));
    }
  }
  lines.push(
    '',
    `Detection power: the chance each limit's test has caught a regression of the guardrail's minimum detectable effect by now, and the treatment samples at which it reaches ${TARGET_POWER * 100}%.`,
    '',
  );
  lines.push(...representativenessSection(audit, flag.key, environment, plan.steps, latest));
  if (latest) {
    lines.push(`Latest check: ${latest.at} → **${latest.decision.decision}**`, '');
    for (const reason of latest.decision.reasons) lines.push(`- ${reason}`);
    if (latest.sampleRatio) {
      const s = latest.sampleRatio;
      lines.push(
        `- sample ratio: ${formatMetricValue('proportion', s.observedShare)} observed vs ${formatMetricValue('proportion', s.expectedShare)} expected (${s.mismatch ? 'MISMATCH' : 'ok'})`,
      );
    }
    lines.push('');
  } else if (plan.state.lastCheck) {
    const check = plan.state.lastCheck;
    lines.push(
      `Last recorded check: ${check.at} → **${check.decision}**`,
      '',
      ...check.reasons.map((r) => `- ${r}`),
      '',
    );
  }
  lines.push('## Timeline', '', '| Time | Who | Action | Served | Reason |', '|---|---|---|---|---|');
  const entries = audit
    .filter(
      (e) =>
        e.environment === environment &&
        e.flagKey === flag.key &&
        (e.action.startsWith('rollout.') || e.action === 'flag.toggle'),
    )
    .sort((a, b) => a.revision - b.revision);
  for (const e of entries) {
    lines.push(`| ${e.at} | ${cell(e.actor)} | ${e.action} | ${percentageOf(e)} | ${cell(e.reason ?? '')} |`);
  }
  if (entries.length === 0) lines.push('| | | (no rollout decisions yet) | | |');
  lines.push('');
  return lines.join('\n');
}

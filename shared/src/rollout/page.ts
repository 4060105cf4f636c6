/**
 * The rollout page: one markdown document per flag and environment with the plan, the current step, the
 * guardrails and their latest values, and the timeline of decisions from the audit log.
 */
import type { AuditEntry, Flag, Guardrail, JsonValue } from '../flags/model.ts';
import type { RolloutEvaluation } from './controller.ts';
import { formatMetricValue } from './guardrails.ts';

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
  const stepList = plan.steps.map((s, i) => (i === plan.state.stepIndex ? `**${s}%**` : `${s}%`)).join(' → ');
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
    '| Guardrail | Metric | Source | Limits | Treatment | Control | Verdict |',
    '|---|---|---|---|---|---|---|',
  );
  for (const g of plan.guardrails) {
    const check = checks.get(g.name);
    const metric = g.metric === 'latency' ? `p${g.percentile ?? 95} latency` : g.metric;
    const arm = (side: 'treatment' | 'control'): string =>
      check ? `${formatMetricValue(check.unit, check[side].value)} (n=${check[side].samples})` : 'n/a';
    lines.push(
      `| ${cell(g.name)} | ${metric} | ${g.source} | ${cell(describeLimits(g))} | ${arm('treatment')} | ${arm('control')} | ${check?.verdict ?? 'not checked yet'} |`,
    );
  }
  lines.push('');
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

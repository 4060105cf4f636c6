/**
 * What Rollgate tells the people on call, derived from facts: committed audit entries (whoever made the change:
 * controller, CLI, MCP, extension, server) and the controller's tick results (holds and failing metric sources are
 * not always written to the audit log). Pure functions; delivery lives in dispatcher.ts.
 */
import type { AuditEntry, JsonValue } from '../flags/model.ts';
import type { TickResult } from '../rollout/controller.ts';

/** Every kind of alert, `as const` + union. */
export const AlertKind = {
  advanced: 'rollout.advanced',
  held: 'rollout.held',
  breached: 'rollout.breached',
  rolledBack: 'rollout.rolled-back',
  completed: 'rollout.completed',
  killSwitch: 'kill-switch',
  changeRequestWaiting: 'change-request.waiting',
  metricSourceDown: 'metric-source.down',
} as const;
export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];
export const ALERT_KINDS: readonly AlertKind[] = Object.values(AlertKind);

/** PagerDuty's severities, used by every format. */
export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * An incident an alert opens or closes. Events with the same `key` belong to one incident: PagerDuty de-duplicates
 * triggers on it and a `resolve` with the same key closes it.
 */
export interface AlertIncident {
  readonly key: string;
  readonly action: 'trigger' | 'resolve';
}

/** One thing worth telling a human. */
export interface AlertEvent {
  /** Stable per fact (the same audit entry or tick always yields the same id), so receivers can de-duplicate. */
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  /** ISO time of the fact. */
  readonly at: string;
  readonly flagKey?: string;
  readonly environment?: string;
  /** One line a human understands without context, e.g. `new-checkout rolled back to 0% in production: …`. */
  readonly summary: string;
  /** Who caused it (`controller`, `cli:alice`) and the numbers behind it. */
  readonly actor?: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly incident?: AlertIncident;
}

function rolloutIncident(entry: { flagKey?: string; environment?: string }): string {
  return `rollgate/rollout/${entry.environment ?? '-'}/${entry.flagKey ?? '-'}`;
}

function where(entry: { flagKey?: string; environment?: string }): string {
  return `${entry.flagKey ?? 'a flag'}${entry.environment ? ` in ${entry.environment}` : ''}`;
}

function served(entry: AuditEntry): string {
  const change = entry.changes.find((c) => c.path.endsWith('/rollout/percentage') || c.path.endsWith('/rollout'));
  const after = change?.after;
  if (typeof after === 'number') return ` to ${after}%`;
  if (after && typeof after === 'object' && !Array.isArray(after) && typeof after.percentage === 'number') {
    return ` to ${after.percentage}%`;
  }
  return '';
}

function isRecord(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a controller decision's numbers (audit `data`) show a breached guardrail or a sample ratio mismatch. */
function brokeGuardrail(entry: AuditEntry): boolean {
  const guardrails = entry.data?.guardrails;
  const sampleRatio = entry.data?.sampleRatio;
  return (
    (Array.isArray(guardrails) && guardrails.some((g) => isRecord(g) && g.verdict === 'breach')) ||
    (isRecord(sampleRatio) && sampleRatio.mismatch === true)
  );
}

/** Whether a `flag.toggle` entry turned a flag off. */
function turnedOff(entry: AuditEntry): boolean {
  return entry.changes.some((c) => c.path.endsWith('/enabled') && c.before === true && c.after === false);
}

/**
 * The alerts one committed audit entry stands for (none for most entries). The kill switch is a `flag.toggle` that
 * turned a flag off; a rollout's rollback opens an incident that its completion or a resumed advance resolves.
 */
export function alertsFromAuditEntry(entry: AuditEntry): AlertEvent[] {
  const base = {
    id: `audit-${entry.revision}-${entry.action}-${entry.flagKey ?? ''}-${entry.environment ?? ''}`,
    at: entry.at,
    actor: entry.actor,
    ...(entry.flagKey === undefined ? {} : { flagKey: entry.flagKey }),
    ...(entry.environment === undefined ? {} : { environment: entry.environment }),
  };
  const reason = entry.reason ? `: ${entry.reason}` : '';
  const details = { revision: entry.revision, action: entry.action, reason: entry.reason, data: entry.data };
  switch (entry.action) {
    case 'rollout.advance':
      return [
        {
          ...base,
          kind: AlertKind.advanced,
          severity: 'info',
          summary: `${where(entry)} advanced${served(entry)}${reason}`,
          details,
          incident: { key: rolloutIncident(entry), action: 'resolve' },
        },
      ];
    case 'rollout.complete':
      return [
        {
          ...base,
          kind: AlertKind.completed,
          severity: 'info',
          summary: `${where(entry)} completed: everyone gets the new variant`,
          details,
          incident: { key: rolloutIncident(entry), action: 'resolve' },
        },
      ];
    case 'rollout.rollback':
      return [
        {
          ...base,
          kind: AlertKind.rolledBack,
          severity: 'critical',
          summary: `${where(entry)} rolled back to 0%${reason}`,
          details,
          incident: { key: rolloutIncident(entry), action: 'trigger' },
        },
      ];
    case 'rollout.pause':
      // Only the controller's pause on a broken guardrail (or sample ratio) is an alert; a human's pause is not.
      if (!brokeGuardrail(entry)) return [];
      return [
        {
          ...base,
          kind: AlertKind.breached,
          severity: 'error',
          summary: `${where(entry)} paused: a guardrail broke${reason}`,
          details,
          incident: { key: rolloutIncident(entry), action: 'trigger' },
        },
      ];
    case 'flag.toggle':
      if (!turnedOff(entry)) return [];
      return [
        {
          ...base,
          kind: AlertKind.killSwitch,
          severity: 'warning',
          summary: `${where(entry)} turned off by ${entry.actor}${reason}: everyone gets the code default`,
          details,
        },
      ];
    case 'change-request.create':
      return [
        {
          ...base,
          kind: AlertKind.changeRequestWaiting,
          severity: 'info',
          summary: `a change request for ${where(entry)} by ${entry.actor} waits for approval${reason}`,
          details,
        },
      ];
    default:
      return [];
  }
}

/** Per-plan memory of the controller's recent ticks, so a long hold or a down source alerts once per streak. */
export class TickAlertTracker {
  private readonly holds = new Map<string, number>();
  private readonly downSources = new Map<string, string>();
  private readonly heldIntervals: number;

  /** @param heldIntervals consecutive holds after which a plan counts as stuck (≥ 1). */
  constructor(heldIntervals: number) {
    this.heldIntervals = heldIntervals;
  }

  /**
   * The alerts of one tick: `rollout.held` when a plan has held for exactly `heldIntervals` ticks in a row;
   * `metric-source.down` when a guardrail's source starts failing (an incident), and its resolve when the source
   * answers again.
   */
  observe(results: readonly TickResult[]): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const result of results) {
      const { evaluation } = result;
      const plan = `${result.environment}/${result.flagKey}`;
      const target = { flagKey: result.flagKey, environment: result.environment };
      const holds = evaluation.decision.decision === 'hold' ? (this.holds.get(plan) ?? 0) + 1 : 0;
      this.holds.set(plan, holds);
      if (holds === this.heldIntervals) {
        events.push({
          id: `held-${plan}-${evaluation.at}`,
          kind: AlertKind.held,
          severity: 'warning',
          at: evaluation.at,
          ...target,
          actor: 'controller',
          summary: `${where(target)} has held at ${evaluation.percentage}% for ${holds} checks: ${evaluation.decision.reasons.join('; ')}`,
          details: { codes: evaluation.decision.codes, stepIndex: evaluation.stepIndex },
        });
      }
      for (const check of evaluation.checks) {
        const key = `${plan}/${check.name}`;
        const wasDown = this.downSources.get(key);
        const incident = `rollgate/metric-source/${plan}/${check.name}`;
        if (check.verdict === 'source-error' && wasDown === undefined) {
          this.downSources.set(key, evaluation.at);
          events.push({
            id: `source-down-${key}-${evaluation.at}`,
            kind: AlertKind.metricSourceDown,
            severity: 'error',
            at: evaluation.at,
            ...target,
            actor: 'controller',
            summary: `metric source "${check.source}" for guardrail ${check.name} of ${where(target)} fails; the rollout holds: ${check.message}`,
            details: { guardrail: check.name, source: check.source, message: check.message },
            incident: { key: incident, action: 'trigger' },
          });
        } else if (check.verdict !== 'source-error' && wasDown !== undefined) {
          this.downSources.delete(key);
          events.push({
            id: `source-up-${key}-${evaluation.at}`,
            kind: AlertKind.metricSourceDown,
            severity: 'info',
            at: evaluation.at,
            ...target,
            actor: 'controller',
            summary: `metric source "${check.source}" for guardrail ${check.name} of ${where(target)} answers again (down since ${wasDown})`,
            details: { guardrail: check.name, source: check.source, downSince: wasDown },
            incident: { key: incident, action: 'resolve' },
          });
        }
      }
    }
    return events;
  }
}

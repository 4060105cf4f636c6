/**
 * Alert receivers, configured per environment in `.rollgate/alerts.yaml` (reviewed like code). Secrets never live
 * in that file: it names the environment variables that hold them (`urlEnv`, `routingKeyEnv`, `secretEnv`), and
 * the process that sends alerts (controller, server) resolves them from its own environment.
 *
 * ```yaml
 * heldIntervals: 3
 * receivers:
 *   - name: oncall
 *     kind: pagerduty
 *     routingKeyEnv: PAGERDUTY_ROUTING_KEY
 *     environments: [production]
 *   - name: team
 *     kind: slack
 *     urlEnv: SLACK_WEBHOOK_URL
 *     events: [rollout.rolled-back, rollout.completed, kill-switch]
 *   - name: audit-sink
 *     kind: webhook
 *     url: https://hooks.example.com/rollgate
 *     secretEnv: ROLLGATE_WEBHOOK_SECRET
 * ```
 */
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { parseYamlConfig } from '../yaml-config.ts';
import { ALERT_KINDS } from './events.ts';
import type { AlertEvent, AlertKind } from './events.ts';
import type { AlertRequest } from './formats.ts';
import { pagerDutyRequest, slackRequest, standardWebhookRequest } from './formats.ts';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable, e.g. SLACK_WEBHOOK_URL');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Security: a field where someone might paste a secret is refused with the fix, so a secret never gets committed
 * with alerts.yaml (declared before the `…Env` field so it is the error reported first).
 */
function noSecretHere(what: string, envField: string) {
  return z
    .never({ error: `${what} is a secret: put it in an environment variable and name that variable with ${envField}` })
    .optional();
}

const common = {
  name: z.string().min(1).max(100),
  /** Environments whose events this receiver gets; all when absent. */
  environments: z.array(z.string().min(1)).min(1).optional(),
  /** Kinds of events this receiver gets; all (PagerDuty: those that open or close an incident) when absent. */
  events: z
    .array(z.enum(ALERT_KINDS as [AlertKind, ...AlertKind[]]))
    .min(1)
    .optional(),
};

const receiverConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...common,
      kind: z.literal('slack'),
      url: noSecretHere('a Slack webhook URL', 'urlEnv'),
      urlEnv: envVarName,
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('pagerduty'),
      routingKey: noSecretHere('a PagerDuty routing key', 'routingKeyEnv'),
      routingKeyEnv: envVarName,
      /** Another Events API endpoint (EU service region, a test receiver). */
      url: httpUrl.optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('webhook'),
      url: httpUrl.optional(),
      urlEnv: envVarName.optional(),
      secret: noSecretHere('a signing secret', 'secretEnv'),
      secretEnv: envVarName.optional(),
    })
    .strict()
    .refine((r) => (r.url === undefined) !== (r.urlEnv === undefined), {
      message: 'give exactly one of url and urlEnv',
      path: ['url'],
    }),
]);
export type AlertReceiverConfig = z.infer<typeof receiverConfigSchema>;

/** The schema of `.rollgate/alerts.yaml`; unknown keys (a pasted `secret:`) are errors, never dropped. */
export const alertsConfigSchema = z
  .object({
    /** Consecutive controller holds after which `rollout.held` fires. */
    heldIntervals: z.number().int().min(1).max(1000).default(3),
    receivers: z.array(receiverConfigSchema).default([]),
  })
  .strict();
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

/** A configured receiver with its secrets resolved: filters plus the request it makes of an event. */
export interface AlertReceiver {
  readonly name: string;
  /** Whether the receiver wants this event (environment and kind filters). */
  accepts(event: AlertEvent): boolean;
  /** The HTTP request for an event, or undefined when the format has nothing to send for it. */
  request(event: AlertEvent, now: Date): AlertRequest | undefined;
}

/**
 * Parses `.rollgate/alerts.yaml`. Errors: PARSE_ERROR at file:line:column (YAML syntax, unknown key, wrong value).
 */
export function parseAlertsConfig(text: string, file: string): AlertsConfig {
  return parseYamlConfig(text, file, alertsConfigSchema, 'docs/alerts.md');
}

/**
 * Resolves each receiver's secrets from `env` (the sending process's environment). Errors: INVALID_INPUT naming
 * the receiver and the missing variable, with how to set it.
 */
export function resolveAlertReceivers(
  config: AlertsConfig,
  env: Readonly<Record<string, string | undefined>>,
): AlertReceiver[] {
  return config.receivers.map((receiver) => {
    const secret = (name: string): string => {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new FlagError(
          'INVALID_INPUT',
          `Alert receiver "${receiver.name}" needs the environment variable ${name}, which is not set.`,
          { hint: `Set ${name} in the environment of the process that sends alerts (controller, server).` },
        );
      }
      return value;
    };
    const accepts = (event: AlertEvent): boolean =>
      (receiver.environments === undefined ||
        (event.environment !== undefined && receiver.environments.includes(event.environment))) &&
      (receiver.events === undefined || receiver.events.includes(event.kind));
    switch (receiver.kind) {
      case 'slack': {
        const url = secret(receiver.urlEnv);
        return { name: receiver.name, accepts, request: (event) => slackRequest(url, event) };
      }
      case 'pagerduty': {
        const routingKey = secret(receiver.routingKeyEnv);
        const url = receiver.url ?? PAGERDUTY_EVENTS_URL;
        const allEvents = receiver.events !== undefined;
        return {
          name: receiver.name,
          accepts,
          request: (event) => pagerDutyRequest(url, routingKey, event, allEvents),
        };
      }
      case 'webhook': {
        const url = receiver.url ?? secret(receiver.urlEnv ?? '');
        const signingSecret = receiver.secretEnv === undefined ? undefined : secret(receiver.secretEnv);
        return {
          name: receiver.name,
          accepts,
          request: (event, now) => standardWebhookRequest(url, signingSecret, event, now),
        };
      }
    }
  });
}

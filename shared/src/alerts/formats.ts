/**
 * The wire formats of alert receivers: Slack incoming webhooks, PagerDuty Events API v2, and generic JSON signed
 * per the Standard Webhooks specification. Each turns an {@link AlertEvent} into one HTTP request, or none when the
 * receiver has nothing to do with the event (a PagerDuty resolve without an incident, say).
 */
import { createHmac } from 'node:crypto';
import type { AlertEvent } from './events.ts';

/** One HTTP POST with a JSON body. */
export interface AlertRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const SEVERITY_EMOJI: Readonly<Record<AlertEvent['severity'], string>> = {
  critical: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

const json = { 'content-type': 'application/json' } as const;

/** Slack incoming webhook (`{ text, blocks }`); `url` is the webhook URL, which is itself the secret. */
export function slackRequest(url: string, event: AlertEvent): AlertRequest {
  const text = `${SEVERITY_EMOJI[event.severity]} Rollgate: ${event.summary}`;
  const context = [event.kind, event.environment, event.actor && `by ${event.actor}`, event.at].filter(Boolean);
  return {
    url,
    headers: json,
    body: JSON.stringify({
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
      ],
    }),
  };
}

/** PagerDuty's documented limit on `payload.summary`. */
const PAGERDUTY_SUMMARY_MAX = 1024;

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): an incident's trigger or resolve, with the incident key as
 * `dedup_key`. Events that open or close no incident are sent as triggers only when `allEvents` is set (otherwise
 * PagerDuty would page someone for every advance); they get their own dedup key.
 */
export function pagerDutyRequest(
  url: string,
  routingKey: string,
  event: AlertEvent,
  allEvents = false,
): AlertRequest | undefined {
  if (!event.incident && !allEvents) return undefined;
  const dedupKey = event.incident?.key ?? event.id;
  const action = event.incident?.action ?? 'trigger';
  const body =
    action === 'resolve'
      ? { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }
      : {
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: dedupKey,
          payload: {
            summary: event.summary.slice(0, PAGERDUTY_SUMMARY_MAX),
            source: 'rollgate',
            severity: event.severity,
            timestamp: event.at,
            component: event.flagKey,
            group: event.environment,
            class: event.kind,
            custom_details: { ...event.details, actor: event.actor },
          },
        };
  return { url, headers: json, body: JSON.stringify(body) };
}

/** The Standard Webhooks secret prefix; the rest is the key, base64. */
const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * The `webhook-signature` value of the Standard Webhooks spec: `v1,` + base64 HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` keyed with the secret's bytes (`whsec_<base64>`; a secret without the prefix is used
 * as UTF-8 bytes). `timestamp` in Unix seconds.
 */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Generic JSON webhook per the Standard Webhooks spec: body `{ type, timestamp, data }`, headers `webhook-id`
 * (the event id, stable across retries so receivers de-duplicate), `webhook-timestamp` (Unix seconds of this
 * attempt) and, with a secret, `webhook-signature`.
 */
export function standardWebhookRequest(
  url: string,
  secret: string | undefined,
  event: AlertEvent,
  now: Date,
): AlertRequest {
  const body = JSON.stringify({ type: event.kind, timestamp: event.at, data: event });
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    url,
    headers: {
      ...json,
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      ...(secret === undefined ? {} : { 'webhook-signature': signStandardWebhook(secret, event.id, timestamp, body) }),
    },
    body,
  };
}

/**
 * Exposure adapters for analytics tools, each producing the request shape the vendor documents:
 * - Segment HTTP Tracking API `POST /v1/batch` (Basic auth with the write key), `track` calls of the spec's
 *   `Experiment Viewed` event (`experiment_id`, `experiment_name`, `variation_id`, `variation_name`).
 * - GA4 Measurement Protocol `POST /mp/collect?measurement_id=…&api_secret=…`, one request per user (a request
 *   carries one `client_id`) and at most 25 events, event `experience_impression` with `exp_variant_string`.
 * - Mixpanel ingestion `POST /track` (project token in each event) or `POST /import?strict=1` (Basic auth),
 *   event `$experiment_started` with `Experiment name` / `Variant name`, `distinct_id`, `time` (ms) and
 *   `$insert_id` (Mixpanel de-duplicates retries on it).
 */
import type { AdapterRequest, ExposureAdapter } from './exposure-sender.ts';
import type { ExposureEvent } from './exposures.ts';

const json = { 'content-type': 'application/json' } as const;
const basic = (user: string, password = ''): string => `Basic ${btoa(`${user}:${password}`)}`;

/** Options of {@link segmentAdapter}. */
export interface SegmentOptions {
  readonly writeKey: string;
  /** Default `https://api.segment.io/v1/batch` (EU workspaces: `https://events.eu1.segmentapis.com/v1/batch`). */
  readonly url?: string;
  readonly now?: () => number;
}

/** Segment: `track` calls in the batch API. */
export function segmentAdapter(options: SegmentOptions): ExposureAdapter {
  const now = options.now ?? Date.now;
  return {
    name: 'segment',
    maxBatchSize: 100,
    requests: (events) => [
      {
        url: options.url ?? 'https://api.segment.io/v1/batch',
        headers: { ...json, authorization: basic(options.writeKey) },
        body: JSON.stringify({
          batch: events.map((e) => ({
            type: 'track',
            userId: e.userId,
            event: 'Experiment Viewed',
            messageId: e.id,
            timestamp: new Date(e.timestamp).toISOString(),
            properties: {
              experiment_id: e.flagKey,
              experiment_name: e.flagKey,
              variation_id: e.variant,
              variation_name: e.variant,
              ...details(e),
            },
          })),
          sentAt: new Date(now()).toISOString(),
        }),
        count: events.length,
      },
    ],
  };
}

/** Options of {@link ga4Adapter}. */
export interface Ga4Options {
  readonly measurementId: string;
  readonly apiSecret: string;
  /** Default `https://www.google-analytics.com/mp/collect`. */
  readonly url?: string;
  /** The GA client id of a user (default: the user id itself, for server-side apps without the GA cookie). */
  readonly clientId?: (userId: string) => string;
}

/** GA4 Measurement Protocol events are capped at 25 per request. */
const GA4_EVENTS_PER_REQUEST = 25;

/** GA4: one Measurement Protocol request per user and 25 events. */
export function ga4Adapter(options: Ga4Options): ExposureAdapter {
  const url = `${options.url ?? 'https://www.google-analytics.com/mp/collect'}?measurement_id=${encodeURIComponent(options.measurementId)}&api_secret=${encodeURIComponent(options.apiSecret)}`;
  return {
    name: 'ga4',
    maxBatchSize: 500,
    requests: (events) => {
      const byUser = new Map<string, ExposureEvent[]>();
      for (const e of events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
      const requests: AdapterRequest[] = [];
      for (const [userId, own] of byUser) {
        for (let i = 0; i < own.length; i += GA4_EVENTS_PER_REQUEST) {
          const chunk = own.slice(i, i + GA4_EVENTS_PER_REQUEST);
          requests.push({
            url,
            headers: json,
            body: JSON.stringify({
              client_id: options.clientId?.(userId) ?? userId,
              user_id: userId,
              events: chunk.map((e) => ({
                name: 'experience_impression',
                timestamp_micros: e.timestamp * 1000,
                params: { exp_variant_string: `${e.flagKey}-${e.variant}`, ...details(e) },
              })),
            }),
            count: chunk.length,
          });
        }
      }
      return requests;
    },
  };
}

/** Options of {@link mixpanelAdapter}. */
export interface MixpanelOptions {
  /** The project token. */
  readonly token: string;
  /** `track` (default; events of the last 5 days) or `import` (server-side, Basic auth with the token). */
  readonly endpoint?: 'track' | 'import';
  /** Default `https://api.mixpanel.com` (EU: `https://api-eu.mixpanel.com`). */
  readonly baseUrl?: string;
}

/** Mixpanel: `$experiment_started` events through `/track` or `/import`. */
export function mixpanelAdapter(options: MixpanelOptions): ExposureAdapter {
  const base = options.baseUrl ?? 'https://api.mixpanel.com';
  const endpoint = options.endpoint ?? 'track';
  return {
    name: 'mixpanel',
    maxBatchSize: 2000,
    requests: (events) => [
      {
        url: endpoint === 'import' ? `${base}/import?strict=1` : `${base}/track`,
        headers: endpoint === 'import' ? { ...json, authorization: basic(options.token) } : json,
        body: JSON.stringify(
          events.map((e) => ({
            event: '$experiment_started',
            properties: {
              token: options.token,
              distinct_id: e.userId,
              time: e.timestamp,
              $insert_id: e.id,
              'Experiment name': e.flagKey,
              'Variant name': e.variant,
              ...details(e),
            },
          })),
        ),
        count: events.length,
      },
    ],
  };
}

/** Rollgate's extra properties on every vendor's event. */
function details(e: ExposureEvent): Record<string, string> {
  return {
    flag_key: e.flagKey,
    variant: e.variant,
    reason: e.reason,
    provider: e.providerName,
    ...(e.environment === undefined ? {} : { environment: e.environment }),
  };
}

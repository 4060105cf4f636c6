/**
 * What the initialize result says about the server: its identity and the instructions for the model. Kept free of
 * the MCP SDK and zod: the stdio front door (stdio-front.ts) answers initialize from it before either is loaded.
 */
import type { WritePolicy } from './writes.ts';

/** `serverInfo` of the initialize result. */
export const SERVER_INFO = { name: 'rollgate', version: '0.1.0', title: 'Rollgate feature flags' } as const;

/** The server instructions of the initialize result, for `policy`. */
export function instructions(policy: WritePolicy): string {
  const lines = [
    'Rollgate manages feature flags stored in the repository (.rollgate/), compiled to flagd files apps read via OpenFeature.',
    'Read with list-flags/get-flag; check a change with preview-change before making it.',
    'Protected environments (production by default) need a reason for every write. Reducing exposure there (turn ' +
      'off, lower a rollout, pause or roll back) applies at once; raising it is capped at ' +
      `+${policy.maxStep} points and creates a change request that a human approves with ` +
      '`rollgate approve <id>`. Tell the user the request id.',
    'Segments (list-segments, manage-segment) are reusable audiences: a set-targeting condition {"segment": key}, ' +
      'or a start-rollout step {"segment": key}.',
    'Write tools reply {status: applied|pending-approval|unchanged|declined, changes: [{path, before, after}], ' +
      'environments: [{environment, protected, state}] (state after the call), changeRequests?, revision}.',
  ];
  if (policy.readOnly) lines.push('This server is read-only: it has no write tools.');
  if (policy.allowedEnvironments) {
    lines.push(`Writes are limited to: ${policy.allowedEnvironments.join(', ')}.`);
  }
  return lines.join('\n');
}

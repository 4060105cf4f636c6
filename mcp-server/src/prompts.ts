/**
 * Prompts: ready-made tasks a user picks in the client ("plan a progressive rollout for …", "clean up stale flags").
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ServerDeps } from './writes.ts';

/** Registers the prompts. */
export function registerPrompts(server: McpServer, deps: ServerDeps): void {
  server.registerPrompt(
    'plan-rollout',
    {
      title: 'Plan a progressive rollout',
      description: 'Plan (and, with your go-ahead, start) a progressive rollout of a flag in an environment.',
      argsSchema: {
        flagKey: z.string().describe('Flag to roll out, e.g. "new-checkout".'),
        environment: z.string().optional().describe('Environment (default: production).'),
      },
    },
    ({ flagKey, environment }) => {
      const env = environment ?? 'production';
      return userPrompt(
        [
          `Plan a progressive rollout of flag "${flagKey}" in ${env}.`,
          `1. Call get-flag for "${flagKey}" and list-environments; note whether ${env} is protected and what is served now.`,
          `2. Propose steps (e.g. 1, 5, 10, 25, 50, 100 %). In a protected environment each step may raise the rollout by at most ${deps.policy.maxStep} points.`,
          '3. For the first step, call preview-change with a flag.set-rollout change and quote the share of users who switch.',
          '4. Name the guardrails to watch between steps (error rate, latency) and how long to hold each step; start-rollout runs such a plan with automatic guardrail checks, rollout-status reports on it.',
          `5. Ask me before any write. Writes to protected environments need a reason and become change requests that a human approves with \`rollgate approve <id>\`; tell me the id.`,
        ].join('\n'),
      );
    },
  );
  server.registerPrompt(
    'cleanup-stale-flags',
    {
      title: 'Clean up stale flags',
      description: 'Find flags that outlived their purpose and plan their removal from code and store.',
      argsSchema: { tag: z.string().optional().describe('Only flags with this tag.') },
    },
    ({ tag }) =>
      userPrompt(
        [
          `Find stale flags${tag ? ` tagged "${tag}"` : ''} and plan their cleanup.`,
          '1. Call detect-stale-flags if available (it also checks code references), else list-flags with stale=true.',
          '2. For each candidate, call find-flag-references if available and get-flag; decide which variant wins (the one served to everyone in production).',
          '3. Present a table: flag, why stale, winning variant, files to change. Ask me which to clean up.',
          '4. For the chosen ones, use cleanup-flag if available (preview first), then archive-flag with a reason.',
        ].join('\n'),
      ),
  );
}

function userPrompt(text: string): { messages: { role: 'user'; content: { type: 'text'; text: string } }[] } {
  return { messages: [{ role: 'user', content: { type: 'text', text } }] };
}

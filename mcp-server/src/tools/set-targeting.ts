import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { environmentKeySchema, flagKeySchema, ruleSchema } from '@rollgate/shared/flags';
import { defineTool } from '../tool.ts';
import {
  enableField,
  perEnvironment,
  performWrites,
  reasonField,
  writeResultShape,
  type ServerDeps,
} from '../writes.ts';

/** Registers `set-targeting`: replace the targeting rules of a flag in one environment. */
export function registerSetTargetingTool(server: McpServer, deps: ServerDeps): void {
  defineTool(
    server,
    'set-targeting',
    {
      title: 'Set targeting rules',
      description:
        'Replaces the targeting rules of a flag in one environment (pass the complete list; [] removes all). ' +
        'Rules are tried in order, first match wins; all conditions of a rule must hold. Example rule: ' +
        '{"conditions":[{"attribute":"email","operator":"ends_with","value":"@acme.com"}],"serve":{"variant":"on"}} ' +
        'or serve {"split":[{"variant":"on","weight":50},{"variant":"off","weight":50}]}. Operators: equals, ' +
        'not_equals, in, not_in, contains, starts_with, ends_with, gt, gte, lt, lte, semver_eq/gt/gte/lt/lte, ' +
        'exists. Protected environments create a change request; give a reason.',
      input: {
        key: flagKeySchema,
        environment: environmentKeySchema,
        rules: z.array(ruleSchema).max(50),
        enable: enableField,
        reason: reasonField,
      },
      output: writeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    deps,
    async ({ key, environment, rules, enable, reason }, extra) =>
      performWrites(
        server,
        deps,
        perEnvironment(
          [environment],
          (env) => ({ action: 'flag.set-targeting', flagKey: key, environment: env, rules }),
          enable,
        ),
        reason,
        extra,
      ),
  );
}

/**
 * The safety layer every write tool goes through: allowed environments, protected environments (reason, step cap,
 * user confirmation by elicitation, then a pending change request instead of a write), and the audit log.
 */
import { isDeepStrictEqual } from 'node:util';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { FlagError, errorMessage } from '@rollgate/shared/errors';
import {
  applyOperation,
  impactOf,
  jsonValueSchema,
  submitChangeRequest,
  type ChangeContext,
  type ChangeImpact,
  type Flag,
  type Operation,
  type ProposedChange,
  type StoreDocument,
} from '@rollgate/shared/flags';
import type { FlagStore } from '@rollgate/shared/store';
import type { Logger, ToolExtra, ToolSuccess } from './tool.ts';

/** What the server may write, from its configuration. */
export interface WritePolicy {
  readonly readOnly: boolean;
  /** Environments writes may touch; undefined = all. */
  readonly allowedEnvironments?: readonly string[];
  /** Largest rollout increase, in percentage points, per set-rollout in a protected environment. */
  readonly maxStep: number;
  /** Audit actor; undefined = `mcp:<client name>`. */
  readonly actor?: string;
}

/** Everything tools need. Tests pass a fixed clock. */
export interface ServerDeps {
  readonly store: FlagStore;
  /** Root of the repository the store belongs to: where the code tools scan. */
  readonly workspaceRoot: string;
  readonly policy: WritePolicy;
  readonly now: () => Date;
  readonly log: Logger;
}

/** Input field every write tool takes. */
export const reasonField = z
  .string()
  .trim()
  .min(3, 'give a short reason, e.g. "ramp up after a clean 24h at 10%"')
  .max(500)
  .optional()
  .describe('Why the change is made. Required for protected environments (production); goes to the audit log.');

const impactSchema = z.object({
  environment: z.string(),
  protected: z.boolean(),
  before: jsonValueSchema.describe('What the environment served before (null: flag not configured there).'),
  after: jsonValueSchema,
});

/** Output shape of every write tool. */
export const writeResultShape = {
  status: z
    .enum(['applied', 'pending-approval', 'unchanged', 'declined'])
    .describe(
      'applied: written; pending-approval: a change request waits for a human; unchanged: nothing to do; declined: the user said no.',
    ),
  flagKey: z.string(),
  environments: z.array(impactSchema).describe('Environments whose served flag changes (or would change).'),
  changeRequest: z
    .object({ id: z.string(), environments: z.array(z.string()), approveWith: z.string(), rejectWith: z.string() })
    .optional(),
  // Typed loosely on purpose: the full flag schema (as get-flag declares it) would repeat ~8 KB in every write tool.
  flag: z
    .looseObject({ key: z.string() })
    .optional()
    .describe('The flag after the write (status applied or unchanged), shaped as get-flag returns it.'),
  revision: z.number().int().describe('Store revision after the call.'),
};
/** The structured result of every write tool. */
export type WriteResult = z.infer<z.ZodObject<typeof writeResultShape>>;

/** The audit actor of this session: `--actor`, else `mcp:<client name from initialize>`. */
export function actorOf(server: McpServer, policy: WritePolicy): string {
  return policy.actor ?? `mcp:${server.server.getClientVersion()?.name ?? 'unknown-client'}`;
}

/**
 * Carries out `change` under the write policy. Changes that touch only unprotected environments are applied
 * (audited, with `reason`); changes that touch a protected one need a reason, respect the step cap, are
 * confirmed by the user where the client supports elicitation, and become a pending change request that a
 * human approves outside the assistant. Throws FlagError with a hint on anything the caller must fix.
 */
export async function performWrite(
  server: McpServer,
  deps: ServerDeps,
  change: ProposedChange,
  reason: string | undefined,
  extra: ToolExtra,
): Promise<ToolSuccess<WriteResult>> {
  const context: ChangeContext = { actor: actorOf(server, deps.policy), now: deps.now, reason };
  const snapshot = await deps.store.read();
  const impact = impactOf(snapshot.document, change, context);
  checkAllowed(deps.policy, impact);
  const environments = [...impact.environments];
  if (isDeepStrictEqual(impact.result.document, snapshot.document)) {
    return {
      summary: `No change: flag "${change.flagKey}" already is in that state.`,
      data: {
        status: 'unchanged',
        flagKey: change.flagKey,
        environments,
        flag: flagOf(snapshot.document, change.flagKey),
        revision: snapshot.revision,
      },
    };
  }
  const protectedEnvs = environments.filter((e) => e.protected).map((e) => e.environment);
  if (protectedEnvs.length === 0) {
    const next = await applyOperation(deps.store, unprotectedOnly(change, deps.policy), context);
    return {
      summary: environments.length
        ? `Applied; ${environments.map((e) => e.environment).join(', ')} now serve${environments.length === 1 ? 's' : ''} the change.`
        : 'Applied; no environment serves anything different yet.',
      data: {
        status: 'applied',
        flagKey: change.flagKey,
        environments,
        flag: flagOf(next.document, change.flagKey),
        revision: next.revision,
      },
    };
  }

  // Security: protected environments are never written on the model's word; they get a change request.
  if (!reason) {
    throw new FlagError('INVALID_INPUT', `${protectedEnvs.join(', ')} is protected: the change needs a reason.`, {
      hint: 'Call again with "reason": why this change is needed now (the approver reads it).',
    });
  }
  checkStep(deps.policy, snapshot.document, change);
  if (!(await confirmWithUser(server, change, protectedEnvs, reason, extra))) {
    return {
      summary: 'The user declined; no change request was created. Do not retry unless the user asks.',
      data: { status: 'declined', flagKey: change.flagKey, environments, revision: snapshot.revision },
    };
  }
  const request = await submitChangeRequest(deps.store, change, context);
  const after = await deps.store.read();
  return {
    summary:
      `Change request ${request.id} created for ${request.environments.join(', ')}; nothing is applied until a ` +
      `human approves it with \`rollgate approve ${request.id}\` (or in the VS Code extension).`,
    data: {
      status: 'pending-approval',
      flagKey: change.flagKey,
      environments,
      changeRequest: {
        id: request.id,
        environments: request.environments,
        approveWith: `rollgate approve ${request.id}`,
        rejectWith: `rollgate reject ${request.id}`,
      },
      revision: after.revision,
    },
  };
}

/** True when the server may write `environment` (not read-only, and within `--allowed-envs`). */
export function isWritable(policy: WritePolicy, environment: string): boolean {
  return !policy.readOnly && (!policy.allowedEnvironments || policy.allowedEnvironments.includes(environment));
}

/** Throws when a write would touch an environment outside `--allowed-envs`. */
export function checkAllowedEnvironment(policy: WritePolicy, environment: string): void {
  const allowed = policy.allowedEnvironments;
  if (allowed && !isWritable(policy, environment)) {
    throw new FlagError('INVALID_INPUT', `This server may not write to "${environment}".`, {
      environment,
      hint: `Writable environments: ${allowed.join(', ')}. Ask a human to make this change with the rollgate CLI.`,
    });
  }
}

function checkAllowed(policy: WritePolicy, impact: ChangeImpact): void {
  for (const e of impact.environments) checkAllowedEnvironment(policy, e.environment);
}

/**
 * The change's operation, re-checked on the document it commits against: if a concurrent writer made an
 * environment protected or disallowed meanwhile, the write fails instead of slipping through.
 */
function unprotectedOnly(change: ProposedChange, policy: WritePolicy): Operation {
  return (document, context) => {
    const impact = impactOf(document, change, context);
    checkAllowed(policy, impact);
    const touched = impact.environments.filter((e) => e.protected).map((e) => e.environment);
    if (touched.length > 0) {
      throw new FlagError('STORE_CONFLICT', `The change now touches protected ${touched.join(', ')}.`, {
        hint: 'Read the flag again and retry with a reason to create a change request.',
      });
    }
    return impact.result;
  };
}

function checkStep(policy: WritePolicy, document: StoreDocument, change: ProposedChange): void {
  if (change.action !== 'flag.set-rollout') return;
  const current = flagOf(document, change.flagKey)?.environments[change.environment]?.rollout?.percentage ?? 0;
  const next = change.percentage;
  if (next - current > policy.maxStep) {
    const allowed = Math.min(100, current + policy.maxStep);
    throw new FlagError(
      'INVALID_INPUT',
      `Rollout steps in ${change.environment} are capped at +${policy.maxStep} points (${current}% → ${next}% asked).`,
      {
        environment: change.environment,
        hint: `Propose at most ${allowed}% now, and raise it further after that step is approved and looks healthy.`,
      },
    );
  }
}

/**
 * Asks the user (not the model) to confirm creating the request, when the client supports form elicitation.
 * Without elicitation support the request is created: it is inert until a human approves it anyway.
 */
async function confirmWithUser(
  server: McpServer,
  change: ProposedChange,
  environments: readonly string[],
  reason: string,
  extra: ToolExtra,
): Promise<boolean> {
  if (!server.server.getClientCapabilities()?.elicitation?.form) return true;
  const result = await extra
    .sendRequest(
      {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message:
            `The assistant asks to change flag "${change.flagKey}" (${change.action}) in protected ` +
            `${environments.join(', ')}. Reason: ${reason}\nCreate a change request? It is applied only after ` +
            'someone approves it with `rollgate approve` or in the extension.',
          requestedSchema: {
            type: 'object',
            properties: { confirm: { type: 'boolean', title: 'Create the change request', default: false } },
            required: ['confirm'],
          },
        },
      },
      ElicitResultSchema,
    )
    .catch((e: unknown) => {
      throw new FlagError(
        'GENERAL',
        `Could not ask the user to confirm: ${errorMessage(e)}. No change request was created.`,
        {
          hint: 'Retry; or ask a human to make the change with the rollgate CLI.',
        },
      );
    });
  return result.action === 'accept' && result.content?.confirm === true;
}

function flagOf(document: StoreDocument, flagKey: string): Flag | undefined {
  return document.flags.find((f) => f.key === flagKey);
}

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
  applyExposureReduction,
  applyOperation,
  describeEnvironmentState,
  describeOperation,
  diffValues,
  impactOf,
  reducesExposure,
  submitChangeRequest,
  type ChangeContext,
  type ChangeImpact,
  type Flag,
  type JsonValue,
  type Operation,
  type ProposedChange,
  type StoreDocument,
  type ValueChange,
} from '@rollgate/shared/flags';
import type { FlagStore } from '@rollgate/shared/store';
import type { UsageReader } from '@rollgate/shared/telemetry/usage-store';
import { environmentKeySchema } from '@rollgate/shared/flags';
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

/** A store that may not exist yet (zero setup): where it is or will be, and whether it exists. */
export interface StoreSetup {
  readonly location: string;
  exists(): Promise<boolean>;
}

/** Everything tools need. Tests pass a fixed clock. */
export interface ServerDeps {
  readonly store: FlagStore;
  /** Set when the store is created by the first write (see lazy-store.ts); absent for a store that exists. */
  readonly setup?: StoreSetup;
  /** Root of the repository the store belongs to: where the code tools scan. */
  readonly workspaceRoot: string;
  /** The evaluation counts apps reported: `.rollgate/usage`, or in remote mode the server's; absent: none shown. */
  readonly usage?: UsageReader;
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
  .describe('Why (audit log); required in protected environments.');

const requestRefSchema = z.object({
  id: z.string(),
  environments: z.array(z.string()),
  merged: z.boolean(),
  approveWith: z.string(),
  rejectWith: z.string(),
});

/** Input fields of the per-environment write tools: one environment, or several at once. */
export const environmentFields = {
  environment: environmentKeySchema.optional().describe('e.g. "staging"; or environments'),
  environments: z.array(environmentKeySchema).min(1).max(20).optional(),
};

/** Input field of set-rollout / set-targeting: also turn the flag on where it is off. */
export const enableField = z.boolean().optional().describe('Also turn the flag on there (it serves only while on).');

/**
 * The environments a call names: `environments`, else `environment`. Throws INVALID_INPUT when it names none.
 */
export function environmentsOf(input: { environment?: string; environments?: string[] }): string[] {
  const named = [...new Set([...(input.environment ? [input.environment] : []), ...(input.environments ?? [])])];
  if (named.length === 0) {
    throw new FlagError('INVALID_INPUT', 'No environment given.', {
      hint: 'Pass "environment": "staging", or "environments": ["staging", "production"]; list-environments names them.',
    });
  }
  return named;
}

/** `change` for each environment, followed by turning the flag on there when `enable` is true. */
export function perEnvironment(
  environments: readonly string[],
  change: (environment: string) => ProposedChange,
  enable: boolean | undefined,
): ProposedChange[] {
  return environments.flatMap((environment) => {
    const made = change(environment);
    return enable
      ? [made, { action: 'flag.toggle', flagKey: made.flagKey, environment, enabled: true } as const]
      : [made];
  });
}

/** Output shape of every write tool (kept small: it is repeated in tools/list for each write tool). */
export const writeResultShape = {
  status: z.enum(['applied', 'pending-approval', 'unchanged', 'declined']),
  flagKey: z.string(),
  /** JSON pointers into the flag with before/after: what changed, or would once approved. */
  changes: z.array(z.looseObject({ path: z.string() })),
  /** Effective state after the call of each environment touched, e.g. "staging: off". */
  environments: z.array(z.object({ environment: z.string(), protected: z.boolean(), state: z.string() })),
  changeRequests: z.array(requestRefSchema).optional(),
  /** The folder of the store this write created. */
  storeCreated: z.string().optional(),
  revision: z.number(),
};
/** The structured result of every write tool. */
export type WriteResult = z.infer<z.ZodObject<typeof writeResultShape>>;

/** The audit actor of this session: `--actor`, else `mcp:<client name from initialize>`. */
export function actorOf(server: McpServer, policy: WritePolicy): string {
  return policy.actor ?? `mcp:${server.server.getClientVersion()?.name ?? 'unknown-client'}`;
}

type Status = WriteResult['status'];
const STATUS_RANK: Readonly<Record<Status, number>> = { unchanged: 0, applied: 1, 'pending-approval': 2, declined: 3 };

/** What one change did. */
interface Outcome {
  readonly status: Status;
  readonly line: string;
  readonly changes: readonly ValueChange[];
  readonly environments: readonly string[];
  readonly request?: z.infer<typeof requestRefSchema>;
}

/** {@link performWrites} for one change. */
export async function performWrite(
  server: McpServer,
  deps: ServerDeps,
  change: ProposedChange,
  reason: string | undefined,
  extra: ToolExtra,
): Promise<ToolSuccess<WriteResult>> {
  return performWrites(server, deps, [change], reason, extra);
}

/**
 * Carries out `changes` in order under the write policy and replies with the diff and the effective state of every
 * environment touched. Changes that touch only unprotected environments are applied (audited, with `reason`);
 * changes that only reduce exposure (turn off, lower a rollout, pause, roll back) are applied at once in any
 * environment, audited with the reason; anything else in a protected environment needs a reason, respects the step
 * cap, is confirmed by the user where the client supports elicitation, and becomes a pending change request (merged
 * into an identical pending one). A declined confirmation stops the remaining changes. Throws FlagError with a hint on
 * anything the caller must fix.
 */
export async function performWrites(
  server: McpServer,
  deps: ServerDeps,
  changes: readonly ProposedChange[],
  reason: string | undefined,
  extra: ToolExtra,
): Promise<ToolSuccess<WriteResult>> {
  const existed = deps.setup ? await deps.setup.exists() : true;
  const outcomes: Outcome[] = [];
  for (const change of changes) {
    const outcome = await writeOne(server, deps, change, reason, extra);
    outcomes.push(outcome);
    if (outcome.status === 'declined') break;
  }
  const flagKey = changes[0]?.flagKey ?? '';
  const snapshot = await deps.store.read();
  const flag = snapshot.document.flags.find((f) => f.key === flagKey);
  const touched = [...new Set(outcomes.flatMap((o) => o.environments))];
  const environments = flag
    ? touched.map((environment) => ({
        environment,
        protected: snapshot.document.environments.find((e) => e.key === environment)?.protected ?? false,
        state: describeEnvironmentState(flag, environment),
      }))
    : [];
  const status = outcomes.reduce<Status>(
    (worst, o) => (STATUS_RANK[o.status] > STATUS_RANK[worst] ? o.status : worst),
    'unchanged',
  );
  const lines = outcomes.map((o) => o.line);
  const storeCreated = !existed && deps.setup && (await deps.setup.exists()) ? deps.setup.location : undefined;
  if (storeCreated) lines.unshift(`Created the Rollgate store at ${storeCreated} (commit it to git with your code).`);
  for (const e of environments) {
    lines.push(
      e.state.live
        ? e.state.long
        : `${e.state.long}; turn it on with toggle-flag${changes.some((c) => c.action === 'flag.set-rollout' || c.action === 'flag.set-targeting') ? ' (or call again with enable: true)' : ''}.`,
    );
  }
  const requests = outcomes.flatMap((o) => (o.request ? [o.request] : []));
  return {
    summary: lines.join('\n'),
    data: {
      status,
      flagKey,
      changes: outcomes.flatMap((o) => o.changes.map((c) => ({ ...c }))),
      environments: environments.map((e) => ({
        environment: e.environment,
        protected: e.protected,
        state: e.state.short,
      })),
      ...(requests.length ? { changeRequests: requests } : {}),
      ...(storeCreated ? { storeCreated } : {}),
      revision: snapshot.revision,
    },
  };
}

async function writeOne(
  server: McpServer,
  deps: ServerDeps,
  change: ProposedChange,
  reason: string | undefined,
  extra: ToolExtra,
): Promise<Outcome> {
  const context: ChangeContext = { actor: actorOf(server, deps.policy), now: deps.now, reason };
  const snapshot = await deps.store.read();
  const impact = impactOf(snapshot.document, change, context);
  checkAllowed(deps.policy, impact);
  const changes = flagDiff(snapshot.document, impact.result.document, change.flagKey);
  const environments = targetEnvironments(change, impact);
  if (isDeepStrictEqual(impact.result.document, snapshot.document)) {
    return {
      status: 'unchanged',
      line: `No change: "${change.flagKey}" already is in that state.`,
      changes,
      environments,
    };
  }
  const protectedEnvs = impact.environments.filter((e) => e.protected).map((e) => e.environment);
  if (protectedEnvs.length === 0) {
    await applyOperation(deps.store, unprotectedOnly(change, deps.policy), context);
    return { status: 'applied', line: `Applied ${change.action} to "${change.flagKey}".`, changes, environments };
  }
  // Security: protected environments are never written on the model's word, except to reduce exposure.
  if (!reason) {
    throw new FlagError('INVALID_INPUT', `${protectedEnvs.join(', ')} is protected: the change needs a reason.`, {
      hint: 'Call again with "reason": why this change is needed now (it goes to the audit log and the approver).',
    });
  }
  if (reducesExposure(snapshot.document, change)) {
    await applyOperation(deps.store, applyExposureReduction(change), context);
    return {
      status: 'applied',
      line:
        `Applied at once in ${protectedEnvs.join(', ')}: reducing exposure needs no approval. Audited with your ` +
        'reason; pending change requests stay valid.',
      changes,
      environments,
    };
  }
  checkStep(deps.policy, snapshot.document, change);
  if (!(await confirmWithUser(server, change, protectedEnvs, reason, extra))) {
    return {
      status: 'declined',
      line: 'The user declined; no change request was created. Do not retry unless the user asks.',
      changes: [],
      environments,
    };
  }
  const request = await submitChangeRequest(deps.store, change, context);
  return {
    status: 'pending-approval',
    line: request.merged
      ? `An identical change request ${request.id} was already pending; your reason was added to it. Nothing is ` +
        `applied until a human approves it with \`rollgate approve ${request.id}\`.`
      : `Change request ${request.id} created for ${request.environments.join(', ')}; nothing is applied until a ` +
        `human approves it with \`rollgate approve ${request.id}\` (or in the VS Code extension). ` +
        'See it with list-change-requests; withdraw it with withdraw-change-request.',
    changes,
    // What the environment serves does not change until approval.
    environments,
    request: {
      id: request.id,
      environments: request.environments,
      merged: request.merged,
      approveWith: `rollgate approve ${request.id}`,
      rejectWith: `rollgate reject ${request.id}`,
    },
  };
}

/** The environments a change names (or, without one, the environments whose served state it changes). */
function targetEnvironments(change: ProposedChange, impact: ChangeImpact): string[] {
  if ('environment' in change) return [change.environment];
  if (change.action === 'flag.create') return impact.result.document.environments.map((e) => e.key);
  return impact.environments.map((e) => e.environment);
}

/** The changed paths of one flag between two documents (JSON pointers into the flag). */
function flagDiff(before: StoreDocument, after: StoreDocument, flagKey: string): ValueChange[] {
  const of = (document: StoreDocument): JsonValue | undefined => document.flags.find((f) => f.key === flagKey);
  return diffValues(of(before), of(after));
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
  const operation: Operation = (document, context) => {
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
  // Remote mode: the server applies the change and enforces protection itself (a protected change becomes a request).
  return describeOperation(operation, { descriptor: { kind: 'apply', change } });
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

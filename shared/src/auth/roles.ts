/**
 * Who may do what in team mode: a role per environment (`*` for every environment without its own entry), each
 * role including the ones below it. Assistants (MCP clients with their own token) never hold approver or admin
 * rights, so an assistant's change to a protected environment always waits for a human.
 */
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { environmentKeySchema } from '../flags/model.ts';

/** Roles, lowest first; each includes what the ones before it may do. */
export const ROLES = ['viewer', 'editor', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What an action needs. */
export const Permission = {
  /** Read flags, audit, requests. */
  read: 'viewer',
  /** Change flags; in protected environments, changes that raise exposure become change requests. */
  write: 'editor',
  /** Approve or reject change requests (never one's own). */
  approve: 'approver',
  /** Manage tokens, environments and policy. */
  admin: 'admin',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof Permission;

/** Kinds of identity: a person, a service (CI, the controller of another system), an AI assistant. */
export const IDENTITY_KINDS = ['person', 'service', 'assistant'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** The highest role each kind may hold in any environment. */
const MAX_ROLE: Readonly<Record<IdentityKind, Role>> = { person: 'admin', service: 'admin', assistant: 'editor' };

/** Environment key → role; `*` applies to every environment without its own entry. */
export const roleGrantsSchema = z
  .record(z.union([z.literal('*'), environmentKeySchema]), z.enum(ROLES))
  .refine((grants) => Object.keys(grants).length > 0, 'grant at least one role, e.g. {"*": "viewer"}');
export type RoleGrants = z.infer<typeof roleGrantsSchema>;

/** An authenticated caller. `name` goes to the audit log as the actor. */
export interface Identity {
  readonly id: string;
  readonly name: string;
  readonly kind: IdentityKind;
  readonly roles: RoleGrants;
}

/** The role `identity` holds in `environment` (or across all environments when omitted); undefined: none. */
export function roleIn(identity: Pick<Identity, 'roles'>, environment?: string): Role | undefined {
  return (environment === undefined ? undefined : identity.roles[environment]) ?? identity.roles['*'];
}

function rank(role: Role | undefined): number {
  return role === undefined ? -1 : ROLES.indexOf(role);
}

/** True when `identity` may do `permission` in `environment` (or everywhere when omitted). */
export function can(identity: Pick<Identity, 'roles'>, permission: Permission, environment?: string): boolean {
  return rank(roleIn(identity, environment)) >= rank(Permission[permission]);
}

/** Throws FORBIDDEN, with the role that is missing, unless `identity` may do `permission` in `environment`. */
export function authorize(identity: Identity, permission: Permission, environment?: string): void {
  if (can(identity, permission, environment)) return;
  const where = environment === undefined ? 'across environments' : `in ${environment}`;
  const held = roleIn(identity, environment);
  throw new FlagError(
    'FORBIDDEN',
    `${identity.name} may not ${permission} ${where}: that needs the ${Permission[permission]} role, and the token holds ${held ?? 'no role'} there.`,
    {
      ...(environment === undefined ? {} : { environment }),
      hint:
        identity.kind === 'assistant' && (permission === 'approve' || permission === 'admin')
          ? 'Assistants never approve or administer: ask a person with the approver role to decide.'
          : `Ask an admin for a token with the ${Permission[permission]} role ${where} (rollgate token create).`,
    },
  );
}

/**
 * Checks that `kind` may hold `roles`. Errors: INVALID_INPUT (an assistant with approver or admin rights).
 */
export function checkGrants(kind: IdentityKind, roles: RoleGrants): void {
  for (const [environment, role] of Object.entries(roles)) {
    if (rank(role) > rank(MAX_ROLE[kind])) {
      throw new FlagError('INVALID_INPUT', `A ${kind} token cannot hold the ${role} role (${environment}).`, {
        hint: `Give it at most ${MAX_ROLE[kind]}; approvals stay with people.`,
      });
    }
  }
}

import type { Command } from 'commander';
import {
  IDENTITY_KINDS,
  ROLES,
  roleGrantsSchema,
  type IdentityKind,
  type RoleGrants,
  type TokenRecord,
} from '@rollgate/shared/auth';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import { formatTable } from '../output.ts';

interface CreateOptions {
  name: string;
  kind: string;
  role: string[];
  expires?: string;
}

const DURATION = /^(\d+)([hdw])$/;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `production=approver` pairs (repeatable; `*` for every environment) → role grants. */
function parseRoles(pairs: readonly string[]): RoleGrants {
  const grants: Record<string, string> = {};
  for (const pair of pairs) {
    const [environment, role, ...rest] = pair.split('=');
    if (!environment || !role || rest.length > 0) {
      throw usageError(
        `--role "${pair}" is not <environment>=<role>.`,
        'Pass e.g. --role production=viewer --role "*=editor".',
      );
    }
    grants[environment.trim()] = role.trim();
  }
  const parsed = roleGrantsSchema.safeParse(grants);
  if (!parsed.success) {
    throw usageError(
      `Invalid --role: ${parsed.error.issues.map((i) => i.message).join('; ')}.`,
      `Roles are ${ROLES.join(', ')}; environments are keys of the store or "*".`,
    );
  }
  return parsed.data;
}

/** `90d`, `12h`, `2w` from now, or an ISO date/time. */
function parseExpiry(value: string, now: Date): Date {
  const duration = DURATION.exec(value);
  if (duration) return new Date(now.getTime() + Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw usageError(
      `--expires "${value}" is neither a duration nor a date.`,
      'Pass e.g. --expires 90d or --expires 2027-03-31.',
    );
  }
  return at;
}

function status(record: TokenRecord, now: Date): string {
  if (record.revokedAt) return `revoked ${record.revokedAt}`;
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) return `expired ${record.expiresAt}`;
  return record.expiresAt ? `active until ${record.expiresAt}` : 'active';
}

function describeRoles(roles: RoleGrants): string {
  return Object.entries(roles)
    .map(([environment, role]) => `${environment}=${role}`)
    .join(',');
}

/**
 * `rollgate token create|list|revoke`: API tokens of `rollgate server` (team mode), kept hashed where the store is
 * (`.rollgate/secrets/tokens.json`, or the api_tokens table with --database; docs/teams.md). Run by an admin on the
 * server's store.
 */
export function registerTokenCommand(program: Command, deps: CliDeps): void {
  const token = program.command('token').description('manage API tokens of rollgate server (team mode)');

  token
    .command('create')
    .description('create a token and print it once')
    .requiredOption('--name <name>', 'who or what holds it (the audit actor), e.g. alice, ci, cursor-alice')
    .option('--kind <kind>', `${IDENTITY_KINDS.join(' | ')} (assistants never get approver or admin)`, 'person')
    .option(
      '--role <env=role>',
      `role per environment, repeatable; "*" for all (${ROLES.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--expires <when>', 'a duration (90d, 12h, 2w) or a date; default: never')
    .action(async (opts: CreateOptions, command: Command) => {
      const run = invocation(command, deps);
      if (!(IDENTITY_KINDS as readonly string[]).includes(opts.kind)) {
        throw usageError(
          `--kind "${opts.kind}" is not one of ${IDENTITY_KINDS.join(', ')}.`,
          'Pass e.g. --kind service.',
        );
      }
      if (opts.role.length === 0) {
        throw usageError('A token needs at least one role.', 'Pass e.g. --role "*=viewer" --role staging=editor.');
      }
      const now = run.now();
      const created = await run.withServices((_store, { tokens }) =>
        tokens.create(
          {
            name: opts.name,
            kind: opts.kind as IdentityKind,
            roles: parseRoles(opts.role),
            createdBy: run.options.actor,
            ...(opts.expires === undefined ? {} : { expiresAt: parseExpiry(opts.expires, now) }),
          },
          now,
        ),
      );
      run.out.result(
        { token: created.token, record: created.record },
        [
          `Created ${created.record.kind} token ${created.record.id} for ${created.record.name} (${describeRoles(created.record.roles)}).`,
          '',
          `  ${created.token}`,
          '',
          'This is the only time it is shown: hand it to its holder (ROLLGATE_TOKEN), never commit it.',
        ].join('\n'),
      );
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async (_opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const records = await run.withServices((_store, { tokens }) => tokens.list());
      const now = run.now();
      run.out.result(
        { tokens: records },
        records.length === 0
          ? 'No tokens. Create one with rollgate token create --name <who> --role "*=viewer".'
          : formatTable(
              ['ID', 'NAME', 'KIND', 'ROLES', 'STATUS', 'CREATED'],
              records.map((r) => [r.id, r.name, r.kind, describeRoles(r.roles), status(r, now), r.createdAt]),
            ),
      );
    });

  token
    .command('revoke <id-or-name>')
    .description('revoke a token at once')
    .action(async (idOrName: string, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const record = await run.withServices((_store, { tokens }) => tokens.revoke(idOrName, run.now()));
      run.out.result({ record }, `Revoked token ${record.id} (${record.name}).`);
    });
}

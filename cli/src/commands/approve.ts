import type { Command } from 'commander';
import {
  decideChangeRequest,
  diffValues,
  listChangeRequests,
  type ChangeRequest,
  type ChangeRequestQuery,
} from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { formatValue } from '../format.ts';
import { formatTable } from '../output.ts';

interface RequestsOptions {
  all?: boolean;
  flag?: string;
}

/**
 * The approval flow of protected environments: `rollgate requests` lists change requests (from the MCP server or
 * anyone else), `rollgate approve <id>` applies one with you as the actor, `rollgate reject <id>` declines it.
 */
export function registerApproveCommand(program: Command, deps: CliDeps): void {
  program
    .command('requests')
    .description('list change requests waiting for approval (all of them with --all)')
    .option('--all', 'include applied and rejected requests')
    .option('--flag <key>', 'only requests for this flag')
    .action(async (opts: RequestsOptions, command: Command) => {
      const run = invocation(command, deps);
      const query: ChangeRequestQuery = {
        ...(opts.all === true ? {} : { status: 'pending' }),
        ...(opts.flag === undefined ? {} : { flagKey: opts.flag }),
      };
      const requests = await run.withStore(async (store) => listChangeRequests((await store.read()).document, query));
      run.out.result(
        { requests },
        requests.length === 0
          ? `No ${opts.all === true ? '' : 'pending '}change requests.`
          : requests.map(formatRequest).join('\n\n'),
      );
    });

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(`${decision} <id>`)
      .description(
        decision === 'approve'
          ? 'apply a pending change request, with you as the actor (--reason adds a note)'
          : 'decline a pending change request (--reason says why)',
      )
      .action(async (id: string, _opts: unknown, command: Command) => {
        const run = invocation(command, deps);
        const request = await run.withStore((store) =>
          decideChangeRequest(store, id, decision, {
            actor: run.options.actor,
            now: run.now,
            ...(run.options.reason === undefined ? {} : { reason: run.options.reason }),
          }),
        );
        const what = `${request.id} (${request.flagKey} in ${request.environments.join(', ')})`;
        run.out.result(
          { request },
          request.status === 'pending'
            ? `Approved ${what}: ${request.approvals?.length ?? 0} approval(s) so far; it waits for another approver.`
            : `${decision === 'approve' ? 'Applied' : 'Rejected'} ${what}.`,
        );
      });
  }
}

/** A request as a few lines: who asked for what, why, and the exact change per environment. */
function formatRequest(request: ChangeRequest): string {
  const head = formatTable(
    ['ID', 'STATUS', 'FLAG', 'ENV', 'BY', 'AT'],
    [
      [
        request.id,
        request.status,
        request.flagKey,
        request.environments.join(','),
        request.createdBy,
        request.createdAt,
      ],
    ],
  );
  const changes = request.environments.flatMap((env) =>
    diffValues(request.before[env], request.after[env], `/${env}`).map(
      (c) => `  ${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`,
    ),
  );
  const decided = request.decidedBy ? [`  decided by ${request.decidedBy} at ${request.decidedAt ?? '?'}`] : [];
  return [head, `  reason: ${request.reason}`, ...changes, ...decided].join('\n');
}

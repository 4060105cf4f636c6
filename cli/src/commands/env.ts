import type { Command } from 'commander';
import {
  addEnvironment,
  setApproverGroup,
  updateEnvironment,
  type Environment,
  type EnvironmentUpdate,
  type StoreDocument,
} from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';
import { usageError } from '../errors.ts';
import type { Output } from '../output.ts';
import { commaList } from '../parse.ts';

interface GroupOptions {
  members?: string;
  remove?: boolean;
}

interface EnvOptions {
  name?: string;
  protected?: boolean;
  approvals?: string;
  approvers?: string;
  approvalPolicy?: boolean;
}

/**
 * `rollgate env list|add|update|group`: the environments and their policy (protection, who approves and how many, the
 * approver groups policies name), in
 * whichever store the CLI works on: flags.yaml, PostgreSQL (`--database`) or a server (`ROLLGATE_URL`, admin role),
 * so a team on PostgreSQL can change its approval policy without editing a file.
 */
export function registerEnvCommand(program: Command, deps: CliDeps): void {
  const env = program.command('env').description('list, add and change environments and their approval policy');

  env
    .command('list')
    .description('the environments: protection and approval policy')
    .action(async (_opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const { document } = await run.withStore((store) => store.read());
      const groups = Object.entries(document.groups ?? {}).map(
        ([name, members]) => `group:${name}: ${members.join(', ')}`,
      );
      run.out.result(
        { environments: document.environments, groups: document.groups ?? {} },
        [...document.environments.map(describe), ...groups].join('\n'),
      );
    });

  env
    .command('group')
    .description('set or remove a group of approvers that approval policies name as group:<name>')
    .argument('<name>', 'group name, e.g. sre')
    .option('--members <list>', 'its members (audit names), comma-separated; replaces the list')
    .option('--remove', 'remove the group (refused while a policy names it)')
    .action(async (name: string, opts: GroupOptions, command: Command) => {
      const run = invocation(command, deps);
      if ((opts.members === undefined) === (opts.remove !== true)) {
        throw usageError(
          'Pass either --members <list> or --remove.',
          'E.g. rollgate env group sre --members bob,carol',
        );
      }
      const members = opts.members === undefined ? null : commaList(opts.members);
      const snapshot = await run.withStore(async (store) => {
        const { document } = await store.read();
        // Who may approve a protected environment is its policy: a change needs --reason when a policy names it.
        const named = document.environments.find(
          (e) => e.protected && e.approval?.approvers?.includes(`group:${name}`),
        );
        return run.change(store, setApproverGroup(name, members), named?.key);
      });
      const after = snapshot.document.groups?.[name];
      run.out.result(
        { group: name, members: after ?? null },
        after ? `Group ${name}: ${after.join(', ')}.` : `Removed group ${name}.`,
      );
    });

  env
    .command('add')
    .description('declare an environment (flags are off there until configured)')
    .argument('<key>', 'environment key, e.g. qa')
    .option('--name <name>', 'display name')
    .option('--protected', 'changes need a reason and raising exposure needs approval')
    .action(async (key: string, opts: EnvOptions, command: Command) => {
      const run = invocation(command, deps);
      const environment = {
        key,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        protected: opts.protected === true,
        ...approvalOf(opts),
      };
      const snapshot = await run.withStore((store) => run.change(store, addEnvironment(environment)));
      report(run.out, snapshot.document, key, `Added environment ${key}.`);
    });

  env
    .command('update')
    .description('change an environment: display name, protection, approval policy')
    .argument('<key>', 'environment key')
    .option('--name <name>', 'display name ("" removes it)')
    .option('--protected', 'protect it: changes need a reason and raising exposure needs approval')
    .option('--no-protected', 'unprotect it')
    .option('--approvals <n>', 'distinct approvals a change request needs (1–5; the requester never counts)')
    .option('--approvers <list>', 'who may approve: audit names or group:<name>, comma-separated')
    .option('--no-approval-policy', 'remove the approval policy (one approval by anyone but the requester)')
    .action(async (key: string, opts: EnvOptions, command: Command) => {
      const run = invocation(command, deps);
      if (opts.approvalPolicy === false && (opts.approvals !== undefined || opts.approvers !== undefined)) {
        throw usageError(
          '--no-approval-policy cannot be combined with --approvals or --approvers.',
          'Remove the policy, or set it.',
        );
      }
      const patch: EnvironmentUpdate = {
        ...(opts.name === undefined ? {} : { name: opts.name === '' ? null : opts.name }),
        ...(opts.protected === undefined ? {} : { protected: opts.protected }),
        ...(opts.approvalPolicy === false ? { approval: null } : {}),
      };
      const snapshot = await run.withStore(async (store) => {
        const { document } = await store.read();
        const current = document.environments.find((e) => e.key === key);
        const full: EnvironmentUpdate = { ...patch, ...approvalOf(opts, current?.approval) };
        if (Object.keys(full).length === 0) {
          throw usageError(
            'Nothing to change.',
            'Pass --name, --protected/--no-protected, --approvals or --approvers.',
          );
        }
        // The policy of a protected environment is protected too: changing it (or lifting it) needs --reason.
        return run.change(store, updateEnvironment(key, full), current?.protected ? key : undefined);
      });
      report(run.out, snapshot.document, key, `Updated environment ${key}.`);
    });
}

/** The approval policy the options set (merged into `current`), or none when they name none. */
function approvalOf(opts: EnvOptions, current?: Environment['approval']): Pick<Environment, 'approval'> {
  if (opts.approvals === undefined && opts.approvers === undefined) return {};
  const required = opts.approvals === undefined ? (current?.required ?? 1) : Number(opts.approvals);
  if (!Number.isInteger(required) || required < 1 || required > 5) {
    throw usageError(`--approvals must be a whole number from 1 to 5, not "${opts.approvals}".`, 'E.g. --approvals 2.');
  }
  const approvers = opts.approvers === undefined ? current?.approvers : commaList(opts.approvers);
  return { approval: { required, ...(approvers === undefined || approvers.length === 0 ? {} : { approvers }) } };
}

function report(out: Output, document: StoreDocument, key: string, done: string): void {
  const environment = document.environments.find((e) => e.key === key);
  out.result({ environment }, environment ? `${done}\n${describe(environment)}` : done);
}

function describe(environment: Environment): string {
  const name = environment.name ? ` (${environment.name})` : '';
  if (!environment.protected) return `${environment.key}${name}: not protected`;
  const policy = environment.approval;
  const who = policy?.approvers ? ` by ${policy.approvers.join(', ')}` : ' by anyone but the requester';
  return `${environment.key}${name}: protected; ${policy?.required ?? 1} approval(s)${who}`;
}

import type { Command } from 'commander';
import type { Flag } from '@rollgate/shared/flags';
import { formatStep } from '@rollgate/shared/rollout';
import { invocation, type CliDeps } from '../deps.ts';
import { formatRule, summarizeEnvironment } from '../format.ts';
import { getFlagOrThrow } from '../lookup.ts';

/** `rollgate get <flag>`: one flag in full: variants, and per environment its state, rules and rollout. */
export function registerGetCommand(program: Command, deps: CliDeps): void {
  program
    .command('get')
    .description('show one flag: variants, and per environment its state, rules and rollout')
    .argument('<flag>', 'flag key')
    .action(async (key: string, _opts: unknown, command: Command) => {
      const run = invocation(command, deps);
      const { document } = await run.withStore((store) => store.read());
      const flag = getFlagOrThrow(document, key);
      run.out.result(
        { flag },
        describeFlag(
          flag,
          document.environments.map((e) => e.key),
        ),
      );
    });
}

function describeFlag(flag: Flag, environments: readonly string[]): string {
  const lines = [`${flag.key} — ${flag.name} (${flag.kind}, ${flag.type}${flag.archived ? ', archived' : ''})`];
  if (flag.description !== '') lines.push(`  ${flag.description}`);
  const facts = [
    flag.owner === undefined ? undefined : `owner ${flag.owner}`,
    flag.tags.length === 0 ? undefined : `tags ${flag.tags.join(', ')}`,
    `created ${flag.createdAt}`,
    flag.cleanupBy === undefined ? undefined : `clean up by ${flag.cleanupBy}`,
  ].filter((f) => f !== undefined);
  lines.push(`  ${facts.join(' · ')}`);
  lines.push(
    `variants: ${Object.entries(flag.variants)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(', ')}`,
  );
  const width = Math.max(...environments.map((e) => e.length));
  for (const env of environments) {
    const config = flag.environments[env];
    lines.push(`${env.padEnd(width)}  ${summarizeEnvironment(flag, env)}`);
    config?.rules.forEach((rule, i) => lines.push(`${' '.repeat(width)}    ${i + 1}. ${formatRule(rule)}`));
    if (config?.plan !== undefined) {
      const { plan } = config;
      lines.push(
        `${' '.repeat(width)}    rollout plan ${plan.state.status}: steps ${plan.steps.map(formatStep).join(' → ')} of ${plan.variant}`,
      );
    }
  }
  return lines.join('\n');
}

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import type { EvaluationContext } from '@rollgate/shared/eval';
import {
  applyOperation,
  createFlag,
  setFlagEnabled,
  setRollout,
  type ChangeContext,
  type Operation,
} from '@rollgate/shared/flags';
import { flagdOutputPath, type FlagStore } from '@rollgate/shared/store';
import { invocation, type CliDeps, type Invocation } from '../deps.ts';
import { usageError } from '../errors.ts';
import { formatTable } from '../output.ts';
import { createStore } from './init.ts';

interface DemoOptions {
  dir?: string;
  users: string;
}

const FLAG_KEY = 'new-checkout';
const ENVIRONMENT = 'production';
const STEPS: readonly number[] = [1, 5, 25, 100];
/** The default value the simulated app has in its code: what everyone gets when the flag is killed. */
const CODE_DEFAULT = false;

/** One rollout step as measured on the compiled flagd file. */
interface StepResult {
  readonly percentage: number;
  readonly on: number;
  /** Users who were on at the previous step (0 before the first). */
  readonly previousOn: number;
  /** How many of those are still on: equal to previousOn when buckets are sticky. */
  readonly keptFromPrevious: number;
}

/**
 * `rollgate demo [--dir <dir>] [--users <n>]`: a release rolled out in production 1% → 5% → 25% → 100% and killed,
 * measured on simulated users with the flagd engine on `.rollgate/flagd/production.flagd.json` read from disk.
 */
export function registerDemoCommand(program: Command, deps: CliDeps): void {
  program
    .command('demo')
    .description('a progressive rollout and a kill switch for 100,000 simulated users, in a temporary store')
    .option('--dir <dir>', 'create the store here and keep it (default: a temporary directory, removed afterwards)')
    .option('--users <n>', 'number of simulated users', '100000')
    .action(async (opts: DemoOptions, command: Command) => {
      const run = invocation(command, deps);
      const users = Number(opts.users);
      if (!Number.isInteger(users) || users < 1 || users > 10_000_000) {
        throw usageError(
          `--users "${opts.users}" is not a number of users.`,
          'Give a whole number from 1 to 10000000.',
        );
      }
      const root =
        opts.dir === undefined ? await mkdtemp(join(tmpdir(), 'rollgate-demo-')) : resolve(run.cwd, opts.dir);
      try {
        const store = await createStore(root);
        try {
          await runDemo(store, run, users, opts.dir === undefined);
        } finally {
          store.dispose();
        }
      } finally {
        if (opts.dir === undefined) await rm(root, { recursive: true, force: true });
      }
    });
}

/** The demo's story on a fresh store: create, roll out step by step, kill, show the audit log. */
async function runDemo(store: FlagStore, run: Invocation, users: number, temporary: boolean): Promise<void> {
  const { out } = run;
  const change = (operation: Operation, reason: string): Promise<unknown> =>
    applyOperation(store, operation, { actor: run.options.actor, reason, now: run.now } satisfies ChangeContext);
  const measure = await createMeasurement(store, users, run.now);
  out.line(`Rollgate demo: rolling out a release to ${fmt(users)} simulated users`);
  out.line(`  store: ${store.location}${temporary ? ' (temporary; --dir <dir> keeps it)' : ''}`);
  out.line('');

  await change(
    createFlag({ key: FLAG_KEY, name: 'New checkout', kind: 'release', owner: 'payments' }),
    'demo: new checkout flow',
  );
  await change(setFlagEnabled(FLAG_KEY, ENVIRONMENT, true), 'demo: start the release, 0% so far');
  out.line(`Created the release flag "${FLAG_KEY}" and turned it on in ${ENVIRONMENT}, serving "off" to everyone.`);
  out.line('');

  const steps: StepResult[] = [];
  let previous: Uint8Array = new Uint8Array(users);
  for (const percentage of STEPS) {
    await change(setRollout(FLAG_KEY, ENVIRONMENT, percentage, 'on'), `demo: roll out to ${percentage}%`);
    const { included } = await measure();
    const keptFromPrevious = previous.reduce((kept, wasOn, i) => kept + (wasOn & (included[i] ?? 0)), 0);
    steps.push({ percentage, on: count(included), previousOn: count(previous), keptFromPrevious });
    previous = included;
  }
  out.line(
    formatTable(
      ['ROLLOUT', 'USERS ON', 'STILL ON FROM THE STEP BEFORE'],
      steps.map((s, i) => [
        `${s.percentage}%`.padStart(4),
        fmt(s.on).padStart(fmt(users).length),
        i === 0
          ? '—'
          : `${fmt(s.keptFromPrevious)} of ${fmt(s.previousOn)} ${s.keptFromPrevious === s.previousOn ? '✔' : '✘'}`,
      ]),
    ),
  );
  out.line('');

  await change(setFlagEnabled(FLAG_KEY, ENVIRONMENT, false), 'demo: kill switch, checkout errors');
  const killed = await measure();
  out.line(`Kill switch: ${FLAG_KEY} turned off in ${ENVIRONMENT}.`);
  out.line(
    `  ${fmt(count(killed.included))} users on; ${fmt(killed.codeDefault)} of ${fmt(users)} get the code default ` +
      `(${String(CODE_DEFAULT)}) with reason DISABLED.`,
  );
  out.line('');

  const audit = await store.readAudit({ flagKey: FLAG_KEY });
  out.line(`Audit log (rollgate audit --flag ${FLAG_KEY}):`);
  out.line(
    formatTable(
      ['REV', 'ACTOR', 'ACTION', 'ENV', 'REASON'],
      audit.map((e) => [String(e.revision), e.actor, e.action, e.environment ?? '', e.reason ?? '']),
    ),
  );
  out.line('');
  out.line(`Every count above is the flagd engine evaluating ${flagdOutputPath('.rollgate', ENVIRONMENT)} as read`);
  out.line('from disk: the same file any OpenFeature flagd provider loads.');

  const sticky = steps.every((s) => s.keptFromPrevious === s.previousOn);
  if (out.json) {
    const kill = { on: count(killed.included), codeDefault: killed.codeDefault };
    out.result(
      { store: store.location, users, flagKey: FLAG_KEY, environment: ENVIRONMENT, steps, kill, sticky, audit },
      '',
    );
  }
  if (!sticky) {
    throw new FlagError('GENERAL', 'Some users dropped out of the rollout when it grew: buckets were not sticky.', {
      hint: 'This is a bug in the flagd compiler or engine; run `rollgate demo --json` and report the steps.',
    });
  }
}

/**
 * Evaluates the flag for every simulated user (`user-0` … `user-<n-1>`) with a FlagdEngine loaded from the
 * production flagd file on disk. Returns who got `true`, and how many got the code default with reason DISABLED.
 */
async function createMeasurement(store: FlagStore, users: number, now: () => Date) {
  // Loaded on use, like every heavy module of the CLI, so other commands start faster.
  const { FlagdEngine } = await import('@rollgate/shared/eval');
  const contexts: EvaluationContext[] = Array.from({ length: users }, (_, i) => ({ targetingKey: `user-${i}` }));
  const engine = new FlagdEngine({ now });
  const file = flagdOutputPath(store.location, ENVIRONMENT);
  return async (): Promise<{ included: Uint8Array; codeDefault: number }> => {
    engine.setFlags(await readFile(file, 'utf8'));
    const included = new Uint8Array(users);
    let codeDefault = 0;
    contexts.forEach((context, i) => {
      const result = engine.evaluate(FLAG_KEY, 'boolean', CODE_DEFAULT, context);
      if (result.reason === 'ERROR') {
        throw new FlagError(
          'GENERAL',
          `Evaluating ${FLAG_KEY} failed: ${result.errorMessage ?? result.errorCode ?? ''}`,
        );
      }
      if (result.value) included[i] = 1;
      if (result.reason === 'DISABLED' && result.value === CODE_DEFAULT) codeDefault++;
    });
    return { included, codeDefault };
  };
}

function count(set: Uint8Array): number {
  return set.reduce((sum, v) => sum + v, 0);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { compileStore, serializeFlagdDocument } from '@rollgate/shared/flagd';
import type { StoreDocument } from '@rollgate/shared/flags';
import { invocation, type CliDeps } from '../deps.ts';

interface CompileOptions {
  check?: boolean;
}

/** The flagd output of `environment` in the store directory `storeDir` (the layout of docs/store.md). */
export function flagdOutputPath(storeDir: string, environment: string): string {
  return join(storeDir, 'flagd', `${environment}${FLAGD_SUFFIX}`);
}

const FLAGD_SUFFIX = '.flagd.json';

/** One flagd output file and whether it matched flags.yaml before this run. */
interface OutputState {
  readonly environment: string;
  readonly path: string;
  /** `fresh`: already up to date; `stale`: differs or is missing; `extra`: belongs to no declared environment. */
  readonly state: 'fresh' | 'stale' | 'extra';
}

/**
 * `rollgate compile [--check]`: rewrites `.rollgate/flagd/<env>.flagd.json` from flags.yaml (every change through
 * Rollgate does this already; compile repairs hand edits and merges). `--check` writes nothing and exits 3 when an
 * output is stale, for CI.
 */
export function registerCompileCommand(program: Command, deps: CliDeps): void {
  program
    .command('compile')
    .description('rewrite the flagd outputs (.rollgate/flagd/<env>.flagd.json) from flags.yaml')
    .option('--check', 'write nothing; exit 3 when an output is stale (for CI)')
    .action(async (opts: CompileOptions, command: Command) => {
      const run = invocation(command, deps);
      await run.withStore(async (store) => {
        const { document } = await store.read();
        const outputs = await compareOutputs(store.location, document);
        const stale = outputs.filter((o) => o.state !== 'fresh');
        if (opts.check === true) {
          if (stale.length > 0) {
            throw new FlagError(
              'STORE_CONFLICT',
              `flagd outputs out of date with flags.yaml: ${stale.map((o) => o.path).join(', ')}`,
              { hint: 'Run `rollgate compile` and commit the result.' },
            );
          }
          run.out.result({ outputs, written: [] }, `All ${outputs.length} flagd outputs are up to date.`);
          return;
        }
        await writeOutputs(store.location, document, stale);
        run.out.result(
          { outputs, written: stale.map((o) => o.path) },
          outputs
            .map(
              (o) => `${o.state === 'fresh' ? 'unchanged' : o.state === 'extra' ? 'removed  ' : 'written  '} ${o.path}`,
            )
            .join('\n'),
        );
      });
    });
}

async function compareOutputs(storeDir: string, document: StoreDocument): Promise<OutputState[]> {
  const states: OutputState[] = [];
  for (const [environment, flagd] of compileStore(document)) {
    const path = flagdOutputPath(storeDir, environment);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    states.push({ environment, path, state: current === serializeFlagdDocument(flagd) ? 'fresh' : 'stale' });
  }
  const names = await readdir(join(storeDir, 'flagd')).catch(() => []);
  for (const name of names) {
    const environment = name.slice(0, -FLAGD_SUFFIX.length);
    if (name.endsWith(FLAGD_SUFFIX) && !states.some((s) => s.environment === environment)) {
      states.push({ environment, path: join(storeDir, 'flagd', name), state: 'extra' });
    }
  }
  return states;
}

async function writeOutputs(storeDir: string, document: StoreDocument, stale: readonly OutputState[]): Promise<void> {
  const compiled = compileStore(document);
  for (const output of stale) {
    try {
      const flagd = compiled.get(output.environment);
      if (flagd === undefined) {
        await rm(output.path, { force: true });
        continue;
      }
      // Write a temp file and rename it, so a reader (a flagd provider watching the file) never sees half a file.
      const temp = `${output.path}.${randomUUID()}.tmp`;
      await mkdir(dirname(output.path), { recursive: true });
      await writeFile(temp, serializeFlagdDocument(flagd));
      await rename(temp, output.path);
    } catch (e) {
      throw new FlagError(
        'STORE_IO',
        `Cannot write ${output.path}: ${e instanceof Error ? e.message : String(e)}`,
        {
          file: output.path,
          hint: 'Check that the .rollgate/flagd directory is writable.',
        },
        { cause: e },
      );
    }
  }
}

import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { FlagError } from '@rollgate/shared/errors';
import { generateTypedAccessors } from '@rollgate/shared/snippets';
import { invocation, type CliDeps } from '../deps.ts';

interface CodegenOptions {
  out?: string;
}

/**
 * `rollgate codegen [--out <file>]`: a TypeScript module with one typed accessor per non-archived flag
 * (`flags.newCheckout(client, ctx)`), written to `--out` or printed to stdout.
 */
export function registerCodegenCommand(program: Command, deps: CliDeps): void {
  program
    .command('codegen')
    .description('generate a TypeScript module with one typed accessor per flag')
    .option('--out <file>', 'file to write, e.g. src/flags.generated.ts (default: print to stdout)')
    .action(async (opts: CodegenOptions, command: Command) => {
      const run = invocation(command, deps);
      const document = await run.withStore(async (store) => (await store.read()).document);
      const code = generateTypedAccessors(document, { source: '.rollgate/flags.yaml' });
      const count = document.flags.filter((f) => !f.archived).length;
      if (opts.out === undefined) {
        run.out.result({ flags: count, code }, code);
        return;
      }
      const out = resolve(run.cwd, opts.out);
      await writeAtomically(out, code);
      run.out.result({ out, flags: count }, `Wrote ${count} typed flag accessor(s) to ${relative(run.cwd, out)}.`);
    });
}

// Security: temp file + rename in the target folder, so readers never see a half-written module.
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new FlagError(
      'STORE_IO',
      `Cannot write ${file}.`,
      { file, hint: 'Check the folder is writable, or pick another path with --out.' },
      { cause },
    );
  }
}

import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '@rollgate/shared/store';
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
      // Security: an atomic write (temp file + rename in the target folder): readers never see half a module.
      await mkdir(dirname(out), { recursive: true });
      await writeFileAtomic(out, code);
      run.out.result({ out, flags: count }, `Wrote ${count} typed flag accessor(s) to ${relative(run.cwd, out)}.`);
    });
}

// The only emitter: bundles the CLI, the MCP server and the extension. `--production` minifies, `--watch` rebuilds.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node-ESM bundles keep `require` working for CJS dependencies. */
const esmRequireBanner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    entryPoints: ['cli/src/main.ts'],
    outfile: 'cli/dist/rollgate.mjs',
    format: 'esm',
    banner: { js: `#!/usr/bin/env node\n${esmRequireBanner}` },
    external: ['ts-morph'],
  },
  {
    entryPoints: ['mcp-server/src/main.ts'],
    outfile: 'mcp-server/dist/server.mjs',
    format: 'esm',
    banner: { js: `#!/usr/bin/env node\n${esmRequireBanner}` },
    external: ['ts-morph'],
  },
];

const problemMatcher = {
  name: 'problem-matcher',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const existing = await Promise.all(
  builds.map(async (b) =>
    (await import('node:fs')).existsSync(/** @type {string[]} */ (b.entryPoints)[0]) ? b : undefined,
  ),
);
const contexts = await Promise.all(
  existing
    .filter((b) => b !== undefined)
    .map((b) =>
      esbuild.context({
        bundle: true,
        platform: 'node',
        target: 'node20',
        sourcemap: !production,
        minify: production,
        logLevel: 'warning',
        plugins: watch ? [problemMatcher] : [],
        ...b,
      }),
    ),
);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

// The only emitter: bundles the CLI, the MCP server and the extension. `--production` minifies, `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node-ESM bundles keep `require` working for CJS dependencies. */
const esmRequireBanner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Keeps `@rollgate/shared/scanner` out of the extension's main bundle: it resolves to the separate scanner.cjs. */
const scannerAsSeparateBundle = {
  name: 'scanner-as-separate-bundle',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^@rollgate\/shared\/scanner$/ }, () => ({ path: './scanner.cjs', external: true }));
  },
};

/**
 * Copies `paths` (files or folders) into the bundle's output folder after each build: runtime assets the bundle reads
 * beside itself.
 */
const copyBesideBundle = (/** @type {string[]} */ ...paths) => ({
  name: 'copy-beside-bundle',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onEnd(async () => {
      const { outdir, outfile } = build.initialOptions;
      const target = outdir ?? (outfile === undefined ? '.' : dirname(outfile));
      await mkdir(target, { recursive: true });
      for (const path of paths) await cp(path, join(target, basename(path)), { recursive: true, force: true });
    });
  },
});

/** The PostgreSQL store reads its versioned SQL migrations from `<bundle dir>/migrations/` (see migrate.ts). */
const POSTGRES_MIGRATIONS = 'shared/src/store/postgres/migrations';
/** node-postgres requires `pg-native` only when asked for its native binding, which Rollgate never does. */
const PG_EXTERNALS = ['pg-native'];

/** The CLI's chunks share cli/dist with the server bundle: their names start with this, so a build can find old ones. */
const CLI_CHUNK_PREFIX = 'cli-';

/** @type {(esbuild.BuildOptions & { name: string })[]} */
const builds = [
  {
    name: 'extension',
    entryPoints: ['extension/src/extension.ts'],
    outfile: 'extension/dist/extension.cjs',
    format: 'cjs',
    external: ['vscode'],
    plugins: [scannerAsSeparateBundle],
  },
  {
    // ts-morph carries a whole TypeScript compiler: the extension requires this bundle only when it first scans.
    name: 'extension',
    entryPoints: ['shared/src/scanner/index.ts'],
    outfile: 'extension/dist/scanner.cjs',
    format: 'cjs',
  },
  {
    // The MCP server the extension registers with the editor; ts-morph is bundled (the .vsix has no node_modules)
    // and split into a chunk that loads only when a code tool runs.
    name: 'extension',
    entryPoints: { server: 'mcp-server/src/main.ts' },
    outdir: 'extension/dist/mcp',
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    banner: { js: esmRequireBanner },
  },
  {
    // Each command module is a chunk that loads only when its command runs (cli/src/program.ts), so a simple write
    // such as `rollgate toggle` starts without the code of the others. The chunks sit beside rollgate.mjs: code
    // that finds files by `import.meta.url` (the migrations, rollgate-server.mjs) finds them in any chunk.
    name: 'cli',
    entryPoints: { rollgate: 'cli/src/main.ts' },
    outdir: 'cli/dist',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: `${CLI_CHUNK_PREFIX}[name]-[hash]`,
    format: 'esm',
    banner: { js: `#!/usr/bin/env node\n${esmRequireBanner}` },
    external: ['ts-morph', ...PG_EXTERNALS],
    plugins: [copyBesideBundle(POSTGRES_MIGRATIONS)],
  },
  {
    // `rollgate server` spawns this bundle (the CLI never imports the server); sync.proto and the PostgreSQL
    // migrations are copied beside it.
    name: 'server',
    entryPoints: { 'rollgate-server': 'server/src/main.ts' },
    outdir: 'cli/dist',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    banner: { js: `#!/usr/bin/env node\n${esmRequireBanner}` },
    external: PG_EXTERNALS,
    plugins: [copyBesideBundle('server/src/delivery/sync.proto', POSTGRES_MIGRATIONS)],
  },
  {
    name: 'mcp',
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

// `node esbuild.mjs [name…]` builds only the named bundles (cli, server, mcp, extension); a failure of one does not stop the others.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const selected = builds.filter((b) => only.length === 0 || only.includes(b.name));
// Split builds write hashed chunks: delete the old ones first so they do not pile up (in the .vsix, in cli/dist).
// A folder of its own is emptied; the CLI's chunks, which share cli/dist, are found by their name.
await Promise.all(
  selected
    .filter((b) => b.splitting && b.outdir)
    .map(async (b) => {
      const outdir = /** @type {string} */ (b.outdir);
      if (b.chunkNames?.startsWith(CLI_CHUNK_PREFIX) !== true) return rm(outdir, { recursive: true, force: true });
      const old = (await readdir(outdir).catch(() => [])).filter((f) => f.startsWith(CLI_CHUNK_PREFIX));
      await Promise.all(old.map((f) => rm(join(outdir, f), { force: true })));
    }),
);
const contexts = await Promise.all(
  selected.map(({ name: _name, ...b }) =>
    esbuild.context({
      bundle: true,
      platform: 'node',
      target: 'node20',
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
      ...b,
      plugins: [...(b.plugins ?? []), ...(watch ? [problemMatcher] : [])],
    }),
  ),
);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  const failed = selected.filter((_, i) => results[i]?.status === 'rejected').map((b) => b.name);
  if (failed.length > 0) {
    console.error(`esbuild: failed bundles: ${[...new Set(failed)].join(', ')}`);
    process.exit(1);
  }
}

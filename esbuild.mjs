// The only emitter: bundles the CLI, the MCP server and the extension. `--production` minifies, `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Node-ESM bundles keep `require`, `__filename` and `__dirname` working for the CJS dependencies bundled into them
 * (ts-morph's TypeScript compiler reads `__filename`).
 */
const esmRequireBanner = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
].join(' ');

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

/**
 * What the MCP server answers to initialize and tools/list before it loads its tools (mcp-server/src/stdio-front.ts),
 * computed from the server itself (startup-replies.ts) and baked in as `ROLLGATE_STARTUP_REPLIES`: the cold start
 * then skips the MCP SDK, zod and the JSON Schema generation of the tool inputs (issue 12).
 */
function startupReplies() {
  const script =
    "const { computeStartupReplies } = await import('./mcp-server/src/startup-replies.ts'); process.stdout.write(JSON.stringify(await computeStartupReplies()));";
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`computing the MCP start-up replies failed:\n${run.stderr}`);
  return JSON.stringify(run.stdout);
}

/** main.ts imports the server proper (session.ts) as the separate bundle session.mjs beside it. */
const sessionAsSeparateBundle = {
  name: 'session-as-separate-bundle',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^\.\/session\.ts$/ }, () => ({ path: './session.mjs', external: true }));
  },
};

/**
 * The MCP server as two bundles in `outdir`, so that starting it loads only the first (issue 12): server.mjs (options,
 * the stdio front door; zod/mini only) and session.mjs, the server proper (store, MCP SDK, tools), with chunks loaded
 * on demand: ts-morph's scanner on the first code tool, node-postgres with --database (its migrations are copied
 * beside the chunks). Two bundles rather than one split build: a chunk shared with the server proper would carry all
 * of zod into the start.
 * @param {string} name @param {string} outdir @param {string} shebang @param {string[]} external
 * @returns {(esbuild.BuildOptions & { name: string, withStartupReplies?: boolean })[]}
 */
const mcpServerBuilds = (name, outdir, shebang, external) => [
  {
    name,
    entryPoints: { server: 'mcp-server/src/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    banner: { js: shebang },
    withStartupReplies: true,
    plugins: [sessionAsSeparateBundle],
  },
  {
    name,
    entryPoints: { session: 'mcp-server/src/session.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    splitting: true,
    chunkNames: 'chunk-[hash]',
    banner: { js: esmRequireBanner },
    external: [...external, ...PG_EXTERNALS],
    plugins: [copyBesideBundle(POSTGRES_MIGRATIONS)],
  },
];

/** @type {(esbuild.BuildOptions & { name: string, withStartupReplies?: boolean })[]} */
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
  // The MCP server the extension registers with the editor; ts-morph is bundled (the .vsix has no node_modules) and
  // split into a chunk that loads only when a code tool runs.
  ...mcpServerBuilds('extension', 'extension/dist/mcp', '', []),
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
  ...mcpServerBuilds('mcp', 'mcp-server/dist', '#!/usr/bin/env node', ['ts-morph']),
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
// Split builds write hashed chunks: remove the old ones so they do not pile up (in the .vsix, in cli/dist). Only the
// chunks, found by the prefix of the build's chunk names: mcp-server/dist also holds the build lock of
// scripts/ensure-built.ts, cli/dist the server bundle.
await Promise.all(
  selected
    .filter((b) => b.splitting && b.outdir)
    .map(async (b) => {
      const outdir = /** @type {string} */ (b.outdir);
      const prefix = (b.chunkNames ?? 'chunk-[hash]').split('[')[0] ?? '';
      if (prefix === '') throw new Error(`${b.name}: give the split build chunk names with a fixed prefix`);
      const names = await readdir(outdir).catch(() => []);
      await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(outdir, n), { force: true })));
    }),
);
/** @type {string | undefined} */
let replies;
const contexts = await Promise.all(
  selected.map(({ name: _name, withStartupReplies, ...b }) =>
    esbuild.context({
      // Not in --watch: the replies would go stale as the tools change; without them, every message goes to the server
      // proper (slower start, same replies).
      ...(withStartupReplies && !watch ? { define: { ROLLGATE_STARTUP_REPLIES: (replies ??= startupReplies()) } } : {}),
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

// rollgate server, measured on this machine (the built bundle, started the way `rollgate server` starts it):
// 1. Propagation: 1,000 flagd sync streams + 100 OFREP bulk pollers (ETag, every 200 ms) on the server, and 5 stock
//    flagd providers in file mode reading the compiled .rollgate/flagd file (the peer), all watching the same flag.
//    Each round, the built CLI toggles the flag; the time from spawning the CLI until each client sees the change,
//    broken down by step (the CLI's start-up against `node -e ''`, its commit, the server's watch, compile and
//    hand-off from its log, the clients' receipt). The server's clients live in child processes
//    (propagation-clients.ts) so this process only keeps time.
// 2. Memory per connected sync stream (server RSS growth / streams).
// 3. OFREP single-flag requests/s: the Rollgate server vs a minimal OFREP endpoint backed by @openfeature/flagd-core,
//    same flags, same load generator (64 keep-alive connections), both in child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { storeDocumentSchema } from '../shared/src/flags/index.ts';
import { flagdOutputPath, initStore } from '../shared/src/store/index.ts';
import { ensureBuilt } from '../scripts/ensure-built.ts';

const STREAMS = 1000;
const POLLERS = 100;
const FILE_PEERS = 5;
const SYNC_PROCESSES = 2;
const ROUNDS = 6;
const CLIENTS = join(import.meta.dirname, 'propagation-clients.ts');
const CLI = ensureBuilt('cli');
const SERVER = ensureBuilt('server');

const dir = mkdtempSync(join(tmpdir(), 'rollgate-bench-server-'));
const store = await initStore(dir);
await store.commit({
  base: await store.read(),
  document: storeDocumentSchema.parse({
    version: 1,
    environments: [{ key: 'development' }, { key: 'staging' }, { key: 'production', protected: true }],
    flags: Array.from({ length: 50 }, (_, i) => ({
      key: i === 0 ? 'kill-switch' : `flag-${i}`,
      name: `Flag ${i}`,
      kind: 'release',
      createdAt: '2026-11-01T00:00:00Z',
      type: 'boolean',
      variants: { on: true, off: false },
      environments: { staging: { enabled: true, defaultVariant: 'off', rollout: { variant: 'on', percentage: 30 } } },
    })),
  }),
  audit: [{ at: new Date().toISOString(), actor: 'bench', action: 'bench.seed', changes: [] }],
});
store.dispose();

async function startProcess(
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  for (let waited = 0; ; waited += 20) {
    const match = ready.exec(stderr);
    if (match !== null) return { child, match, stderr: () => stderr };
    if (child.exitCode !== null || waited > 30_000) throw new Error(`did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const server = await startProcess(
  [SERVER, '--store', dir, '--port', '0', '--sync-port', '0'],
  /at (http:\/\/[^,]+), flagd sync at [^:]+:(\d+)/,
);
const url = server.match[1] ?? '';
const syncPort = Number(server.match[2]);
const serverPid = server.child.pid ?? 0;

// --- 1,000 sync streams and 100 OFREP pollers, in child processes (propagation-clients.ts): in the measuring
// process, decoding 1,000 messages per change delayed the clock reads and the file peers by seconds ---
const rssBefore = rssKb(serverPid);
const clients = [
  ...Array.from({ length: SYNC_PROCESSES }, () => ['sync', `127.0.0.1:${syncPort}`, STREAMS / SYNC_PROCESSES]),
  ['ofrep', url, POLLERS],
].map(([kind, address, n]) =>
  Object.assign(
    spawn(process.execPath, ['--import', 'tsx', CLIENTS, String(kind), String(address), String(n)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
    { kind: String(kind) },
  ),
);
await Promise.all(
  clients.map((c) =>
    Promise.race([
      once(c, 'message'),
      once(c, 'exit').then(([code]) => Promise.reject(new Error(`the ${c.kind} clients exited (${String(code)})`))),
    ]),
  ),
);
await new Promise((r) => setTimeout(r, 500));
const rssAfter = rssKb(serverPid);

/** Per client of `child`, when it saw the flag in state `target` (ms since the epoch; null: not by `deadline`). */
async function collect(child: ChildProcess, target: string, deadline: number): Promise<(number | null)[]> {
  const answer = once(child, 'message');
  child.send({ collect: true, target, deadline });
  return ((await answer)[0] as { seenAt: (number | null)[] }).seenAt;
}

// --- the peer: stock flagd providers in file mode on the compiled file ---
const peerFile = flagdOutputPath(join(dir, '.rollgate'), 'staging');
for (let i = 0; i < FILE_PEERS; i++) {
  await OpenFeature.setProviderAndWait(
    `file-${i}`,
    new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: peerFile }),
  );
}
const peers = Array.from({ length: FILE_PEERS }, (_, i) => OpenFeature.getClient(`file-${i}`));

const now = (): number => performance.timeOrigin + performance.now();
const flagsFile = join(dir, '.rollgate', 'flags.yaml');
/** The server's propagation histogram: time from seeing a change to having written it to each sync stream. */
async function sendHistogram(): Promise<{ sum: number; count: number; buckets: [number, number][] }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  const buckets = [...text.matchAll(/^rollgate_propagation_delay_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
    ([, le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)] as [number, number],
  );
  return {
    sum: value('rollgate_propagation_delay_seconds_sum'),
    count: value('rollgate_propagation_delay_seconds_count'),
    buckets,
  };
}
/** The server's log line for each change of an environment (distributor.ts). */
const APPLIED =
  /"staging" at revision \d+ \(seen ([^)]+)\): compiled in ([\d.]+) ms, handed to every client in ([\d.]+) ms/g;
/** Per round: durations in ms, each from the CLI's spawn unless named otherwise. */
const rounds: {
  nodeBaseline: number;
  published: number;
  cliExit: number;
  serverSaw: number;
  compile: number;
  handOff: number;
  /** From the server's propagation histogram (written to the stream, per grpc-js): mean and bucket of the last. */
  sentMean: number;
  sentLast: number;
  sync: number[];
  ofrep: number[];
  file: number[];
}[] = [];
let enabled = true;
for (let round = 0; round < ROUNDS; round++) {
  // What any Node program costs to start on this machine right now, for the CLI's own start-up.
  const b0 = now();
  await once(spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }), 'exit');
  const nodeBaseline = now() - b0;

  enabled = !enabled;
  const target = enabled ? 'ENABLED' : 'DISABLED';
  const fileSeen: number[] = [];
  const logBefore = server.stderr().length;
  const sentBefore = await sendHistogram();
  const t0 = now();
  const cli = spawn(
    process.execPath,
    [CLI, '--store', dir, 'toggle', 'kill-switch', enabled ? 'on' : 'off', '--env', 'staging'],
    { stdio: 'ignore' },
  );
  const watchPeers = (async () => {
    while (fileSeen.length < FILE_PEERS && now() - t0 < 30_000) {
      for (let i = 0; i < FILE_PEERS; i++) {
        if (fileSeen[i] !== undefined) continue;
        const d = await peers[i]!.getBooleanDetails('kill-switch', false, { targetingKey: 'x' });
        if ((d.reason === 'DISABLED') === !enabled) fileSeen[i] = now() - t0;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await once(cli, 'exit');
  const cliExit = now() - t0;
  // flags.yaml is published by a rename of a file written just before: its mtime is when the change became visible.
  const published = statSync(flagsFile).mtimeMs - t0;
  const seen = await Promise.all(clients.map((c) => collect(c, target, t0 + 30_000)));
  await watchPeers;
  const sentAfter = await sendHistogram();
  const applied = [...server.stderr().slice(logBefore).matchAll(APPLIED)].at(-1);
  const delays = (kind: string): number[] =>
    clients.flatMap((c, i) => (c.kind === kind ? seen[i]!.map((at) => (at === null ? Infinity : at - t0)) : []));
  rounds.push({
    nodeBaseline,
    published,
    cliExit,
    serverSaw: applied === undefined ? Number.NaN : Date.parse(applied[1] ?? '') - t0,
    compile: Number(applied?.[2]),
    handOff: Number(applied?.[3]),
    sentMean: ((sentAfter.sum - sentBefore.sum) * 1000) / (sentAfter.count - sentBefore.count),
    // The histogram's first bucket holding every write of this round: an upper bound of the last write.
    sentLast:
      1000 *
      (sentAfter.buckets.find(
        ([le, n]) => n - (sentBefore.buckets.find(([l]) => l === le)?.[1] ?? 0) === sentAfter.count - sentBefore.count,
      )?.[0] ?? Infinity),
    sync: delays('sync'),
    ofrep: delays('ofrep'),
    file: Array.from({ length: FILE_PEERS }, (_, i) => fileSeen[i] ?? Infinity),
  });
}
for (const c of clients) c.send({ stop: true });
await OpenFeature.close();

const fmt = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : 'never');
const sortedCopy = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const median = (pick: (r: (typeof rounds)[number]) => number): number => percentile(sortedCopy(rounds.map(pick)), 50);
const summary = (name: string, delays: number[]): { p50: number; p99: number } => {
  const sorted = sortedCopy(delays);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(
    `${name.padEnd(52)} p50 ${fmt(p50).padStart(9)}   p99 ${fmt(p99).padStart(9)}   (${delays.length} observations)`,
  );
  return { p50, p99 };
};
console.log(`propagation: CLI toggle → client sees it (${ROUNDS} changes; from spawning the CLI)`);
const sync = summary(
  `rollgate server, ${STREAMS} flagd sync streams`,
  rounds.flatMap((r) => r.sync),
);
summary(
  `rollgate server, ${POLLERS} OFREP pollers (200 ms)`,
  rounds.flatMap((r) => r.ofrep),
);
const file = summary(
  `peer: flagd provider file mode (${FILE_PEERS})`,
  rounds.flatMap((r) => r.file),
);
const all = summary(
  'rollgate server, every client',
  rounds.flatMap((r) => [...r.sync, ...r.ofrep]),
);
summary(
  'rollgate server, every client, from the commit',
  rounds.flatMap((r) => [...r.sync, ...r.ofrep].map((d) => d - r.published)),
);
console.log(
  `p99 ratio, file mode / server (all clients): ${(file.p99 / all.p99).toFixed(1)}×   (sync streams only: ${(file.p99 / sync.p99).toFixed(1)}×)`,
);
for (const [i, r] of rounds.entries()) {
  console.log(
    `  round ${i + 1}: CLI published ${fmt(r.published)}, exited ${fmt(r.cliExit)}; server saw ${fmt(r.serverSaw)}; ` +
      `all written ≤ ${fmt(r.serverSaw + r.sentLast)}; sync streams p50 ${fmt(percentile(sortedCopy(r.sync), 50))}, last ${fmt(Math.max(...r.sync))}; ` +
      `OFREP last ${fmt(Math.max(...r.ofrep))}; file mode last ${fmt(Math.max(...r.file))}`,
  );
}
console.log('breakdown (median of the rounds; times from spawning the CLI unless a step is named):');
const steps: [string, (r: (typeof rounds)[number]) => number][] = [
  [`\`node -e ''\` spawn → exit (any Node start-up, same machine)`, (r) => r.nodeBaseline],
  ['CLI spawn → flags.yaml published (start-up + read + commit)', (r) => r.published],
  ['CLI spawn → CLI exit (+ audit entry, flagd outputs)', (r) => r.cliExit],
  ['published → server has read and parsed it (watch)', (r) => r.serverSaw - r.published],
  ['server: compile "staging" (flagd JSON, ETag, engine)', (r) => r.compile],
  ['server: queue it on every stream (encoded once)', (r) => r.handOff],
  ['server saw → written to a sync stream, mean (/metrics)', (r) => r.sentMean],
  ['server saw → written to every sync stream, ≤ (/metrics bucket)', (r) => r.sentLast],
  [
    'server saw → p50 sync stream decoded it (client processes)',
    (r) => percentile(sortedCopy(r.sync), 50) - r.serverSaw,
  ],
  ['server saw → last sync stream decoded it', (r) => Math.max(...r.sync) - r.serverSaw],
  ['server saw → last OFREP poller has it (200 ms poll)', (r) => Math.max(...r.ofrep) - r.serverSaw],
];
for (const [name, pick] of steps) console.log(`  ${name.padEnd(64)} ${median(pick).toFixed(1).padStart(8)} ms`);
console.log(
  `memory per connected sync stream: ${(((rssAfter - rssBefore) * 1024) / STREAMS / 1024).toFixed(1)} KiB (server RSS ${Math.round(rssBefore / 1024)} → ${Math.round(rssAfter / 1024)} MiB)`,
);

// --- OFREP requests/s: Rollgate server vs a flagd-core-backed OFREP endpoint ---
async function load(base: string, seconds: number): Promise<number> {
  const loadAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      let n = 0;
      while (performance.now() < end) {
        const body = JSON.stringify({ context: { targetingKey: `user-${w}-${n++}`, environment: 'staging' } });
        await new Promise<void>((resolve, reject) => {
          const req = request(
            `${base}/ofrep/v1/evaluate/flags/kill-switch`,
            { method: 'POST', agent: loadAgent, headers: { 'Content-Type': 'application/json' } },
            (res) => {
              res.resume().on('end', () => resolve());
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        done++;
      }
    }),
  );
  loadAgent.destroy();
  return done / seconds;
}
const peer = await startProcess(
  ['--import', 'tsx', join(import.meta.dirname, 'ofrep-flagd-core-peer.ts'), peerFile],
  /listening at (http:\/\/\S+)/,
);
await load(url, 1);
const oursRps = await load(url, 4);
await load(peer.match[1] ?? '', 1);
const peerRps = await load(peer.match[1] ?? '', 4);
console.log(
  `OFREP single-flag evaluations/s (64 connections): rollgate server ${Math.round(oursRps)}, flagd-core-backed endpoint ${Math.round(peerRps)}, ratio ${(oursRps / peerRps).toFixed(2)}×`,
);

peer.child.kill('SIGTERM');
server.child.kill('SIGTERM');
await Promise.all([once(peer.child, 'exit'), once(server.child, 'exit')]);
rmSync(dir, { recursive: true, force: true });

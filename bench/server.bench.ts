// rollgate server, measured on this machine (the built bundle, started the way `rollgate server` starts it):
// 1. Propagation: 1,000 flagd sync streams + 100 OFREP bulk pollers (ETag, every 200 ms) on the server, and 5 stock
//    flagd providers in file mode reading the compiled .rollgate/flagd file (the peer), all watching the same flag.
//    Each round, the built CLI toggles the flag; the time from spawning the CLI until each client sees the change.
// 2. Memory per connected sync stream (server RSS growth / streams).
// 3. OFREP single-flag requests/s: the Rollgate server vs a minimal OFREP endpoint backed by @openfeature/flagd-core,
//    same flags, same load generator (64 keep-alive connections), both in child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { storeDocumentSchema } from '../shared/src/flags/index.ts';
import { flagdOutputPath, initStore } from '../shared/src/store/index.ts';
import { ensureBuilt } from '../scripts/ensure-built.ts';

const STREAMS = 1000;
const POLLERS = 100;
const FILE_PEERS = 5;
const ROUNDS = 6;
const ROOT = join(import.meta.dirname, '..');
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

async function startProcess(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  for (let waited = 0; ; waited += 20) {
    const match = ready.exec(stderr);
    if (match !== null) return { child, match };
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

// --- 1,000 sync streams (raw gRPC clients speaking the vendored proto, spread over 20 channels) ---
const definition = protoLoader.loadSync(join(ROOT, 'server/src/delivery/sync.proto'), { keepCase: true });
const SyncClient = (
  grpc.loadPackageDefinition(definition) as unknown as {
    flagd: { sync: { v1: { FlagSyncService: grpc.ServiceClientConstructor } } };
  }
).flagd.sync.v1.FlagSyncService;
const channels = Array.from(
  { length: 20 },
  (_, i) => new SyncClient(`127.0.0.1:${syncPort}`, grpc.credentials.createInsecure(), { 'grpc.channel_id': i }),
);
const rssBefore = rssKb(serverPid);
/** Per stream: the kill-switch state it saw last. */
const streamState: string[] = [];
const streamSeenAt: number[] = [];
const calls: grpc.ClientReadableStream<{ flag_configuration: string }>[] = [];
for (let i = 0; i < STREAMS; i++) {
  const channel = channels[i % channels.length];
  if (channel === undefined) throw new Error('no channel');
  const call = (
    channel as unknown as Record<string, (...a: unknown[]) => grpc.ClientReadableStream<{ flag_configuration: string }>>
  ).SyncFlags!.call(channel, { selector: 'staging' });
  call.on('data', (m: { flag_configuration: string }) => {
    const doc = JSON.parse(m.flag_configuration) as { flags: Record<string, { state: string }> };
    streamState[i] = doc.flags['kill-switch']?.state ?? '';
    streamSeenAt[i] = performance.now();
  });
  call.on('error', () => {});
  calls.push(call);
}
for (let waited = 0; streamState.filter(Boolean).length < STREAMS; waited += 50) {
  if (waited > 60_000) throw new Error(`only ${streamState.filter(Boolean).length} streams connected`);
  await new Promise((r) => setTimeout(r, 50));
}
await new Promise((r) => setTimeout(r, 500));
const rssAfter = rssKb(serverPid);

// --- 100 OFREP bulk pollers with If-None-Match, every 200 ms ---
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function postJson(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? ''), text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const pollerState: string[] = [];
const pollerSeenAt: number[] = [];
let polling = true;
const pollers = Array.from({ length: POLLERS }, async (_, i) => {
  const body = JSON.stringify({ context: { targetingKey: `poller-${i}`, environment: 'staging' } });
  let etag = '';
  while (polling) {
    const r = await postJson('/ofrep/v1/evaluate/flags', body, etag === '' ? {} : { 'If-None-Match': etag });
    if (r.status === 200) {
      etag = r.etag;
      const flags = (JSON.parse(r.text) as { flags: { key: string; reason?: string }[] }).flags;
      pollerState[i] = flags.find((f) => f.key === 'kill-switch')?.reason === 'DISABLED' ? 'DISABLED' : 'ENABLED';
      pollerSeenAt[i] = performance.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
});

// --- the peer: stock flagd providers in file mode on the compiled file ---
const peerFile = flagdOutputPath(join(dir, '.rollgate'), 'staging');
for (let i = 0; i < FILE_PEERS; i++) {
  await OpenFeature.setProviderAndWait(
    `file-${i}`,
    new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: peerFile }),
  );
}
const peers = Array.from({ length: FILE_PEERS }, (_, i) => OpenFeature.getClient(`file-${i}`));

const serverDelays: number[] = [];
const ofrepDelays: number[] = [];
const fileDelays: number[] = [];
const cliDurations: number[] = [];
let enabled = true;
for (let round = 0; round < ROUNDS; round++) {
  enabled = !enabled;
  const target = enabled ? 'ENABLED' : 'DISABLED';
  const fileSeen: number[] = [];
  const t0 = performance.now();
  const cli = spawn(
    process.execPath,
    [CLI, '--store', dir, 'toggle', 'kill-switch', enabled ? 'on' : 'off', '--env', 'staging'],
    {
      stdio: 'ignore',
    },
  );
  const watchPeers = (async () => {
    while (fileSeen.length < FILE_PEERS && performance.now() - t0 < 30_000) {
      for (let i = 0; i < FILE_PEERS; i++) {
        if (fileSeen[i] !== undefined) continue;
        const d = await peers[i]!.getBooleanDetails('kill-switch', false, { targetingKey: 'x' });
        if ((d.reason === 'DISABLED') === !enabled) fileSeen[i] = performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await once(cli, 'exit');
  cliDurations.push(performance.now() - t0);
  const deadline = t0 + 30_000;
  while (performance.now() < deadline) {
    const streamsDone = streamState.every((s) => s === target);
    const pollersDone = pollerState.every((s) => s === target);
    if (streamsDone && pollersDone) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await watchPeers;
  for (let i = 0; i < STREAMS; i++) {
    serverDelays.push(streamState[i] === target ? (streamSeenAt[i] ?? 0) - t0 : Infinity);
  }
  for (let i = 0; i < POLLERS; i++) {
    ofrepDelays.push(pollerState[i] === target ? (pollerSeenAt[i] ?? 0) - t0 : Infinity);
  }
  for (let i = 0; i < FILE_PEERS; i++) fileDelays.push(fileSeen[i] ?? Infinity);
}
polling = false;
await Promise.all(pollers);
for (const call of calls) call.cancel();
for (const c of channels) c.close();
await OpenFeature.close();

const cliP50 = percentile(
  [...cliDurations].sort((a, b) => a - b),
  50,
);
const fmt = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : 'never');
const summary = (name: string, delays: number[]): { p50: number; p99: number } => {
  const sorted = [...delays].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(
    `${name.padEnd(44)} p50 ${fmt(p50).padStart(9)}   p99 ${fmt(p99).padStart(9)}   (${delays.length} observations)`,
  );
  return { p50, p99 };
};
console.log(`propagation: CLI toggle → client sees it (${ROUNDS} changes; includes the CLI's own start-up)`);
const sync = summary(`rollgate server, ${STREAMS} flagd sync streams`, serverDelays);
summary(`rollgate server, ${POLLERS} OFREP pollers (200 ms)`, ofrepDelays);
const file = summary(`peer: flagd provider file mode (${FILE_PEERS})`, fileDelays);
const all = summary('rollgate server, every client', [...serverDelays, ...ofrepDelays]);
console.log(
  `the CLI itself (spawn → exit): p50 ${fmt(cliP50)}; all server clients after the CLI returned: p50 ${fmt(all.p50 - cliP50)}, p99 ${fmt(all.p99 - cliP50)}`,
);
console.log(
  `p99 ratio, file mode / server (all clients): ${(file.p99 / all.p99).toFixed(1)}×   (sync streams only: ${(file.p99 / sync.p99).toFixed(1)}×)`,
);
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

agent.destroy();
peer.child.kill('SIGTERM');
server.child.kill('SIGTERM');
await Promise.all([once(peer.child, 'exit'), once(server.child, 'exit')]);
rmSync(dir, { recursive: true, force: true });

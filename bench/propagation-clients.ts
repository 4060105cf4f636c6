// A child process of server.bench.ts: hosts clients of the Rollgate server that watch the `kill-switch` flag of
// "staging", outside the measuring process (1,000 gRPC streams decoding in the bench's own event loop measured the
// bench, not the server). Usage: `propagation-clients.ts sync <host:port> <n>` (flagd sync streams, raw gRPC clients
// speaking the vendored proto, 10 channels) or `propagation-clients.ts ofrep <url> <n>` (OFREP bulk pollers with
// If-None-Match, every 200 ms). Over IPC: sends `{ ready }` once every client has the flags; answers
// `{ collect, target, deadline }` with `{ seenAt }`: per client, when (ms since the epoch) it first saw the flag in
// state `target` (ENABLED or DISABLED), or null if not by `deadline`.
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const [kind, address = '', countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = (): number => performance.timeOrigin + performance.now();
const state: string[] = [];
const seenAt: number[] = [];
const closers: (() => void)[] = [];
let running = true;

function see(i: number, value: string): void {
  if (state[i] === value) return;
  state[i] = value;
  seenAt[i] = now();
}

function startStreams(): void {
  const definition = protoLoader.loadSync(join(import.meta.dirname, '../server/src/delivery/sync.proto'), {
    keepCase: true,
  });
  const SyncClient = (
    grpc.loadPackageDefinition(definition) as unknown as {
      flagd: { sync: { v1: { FlagSyncService: grpc.ServiceClientConstructor } } };
    }
  ).flagd.sync.v1.FlagSyncService;
  const channels = Array.from(
    { length: 10 },
    (_, i) => new SyncClient(address, grpc.credentials.createInsecure(), { 'grpc.channel_id': i }),
  );
  for (let i = 0; i < count; i++) {
    const channel = channels[i % channels.length] as unknown as Record<
      string,
      (request: unknown) => grpc.ClientReadableStream<{ flag_configuration: string }>
    >;
    const call = channel.SyncFlags!.call(channel, { selector: 'staging' });
    call.on('data', (m: { flag_configuration: string }) => {
      const doc = JSON.parse(m.flag_configuration) as { flags: Record<string, { state: string }> };
      see(i, doc.flags['kill-switch']?.state ?? '');
    });
    call.on('error', () => {});
    closers.push(() => call.cancel());
  }
  closers.push(() => channels.forEach((c) => c.close()));
}

function startPollers(): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const poll = (body: string, etag: string): Promise<{ status: number; etag: string; text: string }> =>
    new Promise((resolve, reject) => {
      const headers = { 'Content-Type': 'application/json', ...(etag === '' ? {} : { 'If-None-Match': etag }) };
      const req = request(`${address}/ofrep/v1/evaluate/flags`, { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? ''), text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  for (let i = 0; i < count; i++) {
    void (async () => {
      const body = JSON.stringify({ context: { targetingKey: `poller-${i}`, environment: 'staging' } });
      let etag = '';
      while (running) {
        // A refused or reset connection (a loaded machine) is retried at the next poll, as an SDK would.
        const r = await poll(body, etag).catch(() => undefined);
        if (r?.status === 200) {
          etag = r.etag;
          const flags = (JSON.parse(r.text) as { flags: { key: string; reason?: string }[] }).flags;
          see(i, flags.find((f) => f.key === 'kill-switch')?.reason === 'DISABLED' ? 'DISABLED' : 'ENABLED');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }
  closers.push(() => agent.destroy());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const everyone = (target?: string): boolean =>
  state.filter((s) => s !== undefined && (target === undefined || s === target)).length === count;

if (kind === 'sync') startStreams();
else if (kind === 'ofrep') startPollers();
else throw new Error(`unknown client kind "${kind}"`);

process.on('message', (m: { collect?: true; target: string; deadline: number } | { stop: true }) => {
  if ('stop' in m) {
    running = false;
    for (const close of closers) close();
    process.disconnect();
    return;
  }
  void (async () => {
    while (!everyone(m.target) && now() < m.deadline) await sleep(10);
    process.send?.({ seenAt: Array.from({ length: count }, (_, i) => (state[i] === m.target ? seenAt[i] : null)) });
  })();
});
for (let waited = 0; !everyone(); waited += 50) {
  if (waited > 60_000) throw new Error(`only ${state.filter(Boolean).length} of ${count} ${kind} clients connected`);
  await sleep(50);
}
process.send?.({ ready: true });

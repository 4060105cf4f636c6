// The peer of server.bench.ts: the smallest OFREP single-flag endpoint over @openfeature/flagd-core (what an
// OFREP service built on the reference evaluator costs), serving the flagd file given as argv[2]. Loopback only.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EvaluationContext, Logger } from '@openfeature/core';
import { FlagdCore } from '@openfeature/flagd-core';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const core = new FlagdCore(undefined, silent);
core.setConfigurations(readFileSync(process.argv[2] ?? '', 'utf8'));

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (c: string) => (body += c));
  req.on('end', () => {
    const key = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    const { context } = JSON.parse(body) as { context: EvaluationContext };
    const r = core.resolveBooleanEvaluation(key, false, context);
    const json = JSON.stringify({
      key,
      value: r.value,
      variant: r.variant,
      reason: r.reason,
      metadata: r.flagMetadata,
    });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(json);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening at http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

// MCP server start-up: the built bundle (mcp-server/dist/server.mjs) answering `initialize` + `tools/list` over
// stdio, against a bare `node -e ''` in the same run. Prints the CPU (user + sys, read by the child itself at exit)
// of each, their ratio (target ≤ 1.5×), and the JSON size of the tools/list result (target ≤ 25 KB).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../scripts/ensure-built.ts';

const ROUNDS = 11;
const server = ensureBuilt('mcp');
const work = mkdtempSync(join(tmpdir(), 'rollgate-mcp-bench-'));
// Preloaded into both processes: reports the process's own CPU time when it exits. CommonJS (`--require`): an ESM
// preload (`--import`) would start Node's ESM loader in the bare process too, adding ~15 ms to the baseline.
const probe = join(work, 'cpu-probe.cjs');
writeFileSync(
  probe,
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`\\nCPU_US=${u.userCPUTime + u.systemCPUTime}\\n`); });\n",
);

interface Run {
  readonly cpuMs: number;
  readonly toolsListBytes: number;
}

function runProcess(args: readonly string[], requests: readonly object[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', probe, ...args], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let toolsListBytes = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        const message = JSON.parse(line) as { id?: number; result?: unknown };
        if (message.id === 1) child.stdin.write(`${JSON.stringify(requests[1])}\n${JSON.stringify(requests[2])}\n`);
        if (message.id === 2) {
          toolsListBytes = Buffer.byteLength(JSON.stringify(message.result));
          child.stdin.end();
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', () => {
      const match = /CPU_US=(\d+)/.exec(stderr);
      if (!match?.[1]) return reject(new Error(`no CPU report: ${stderr}`));
      resolve({ cpuMs: Number(match[1]) / 1000, toolsListBytes });
    });
    if (requests[0]) child.stdin.write(`${JSON.stringify(requests[0])}\n`);
    else child.stdin.end();
  });
}

const requests = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
];

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const bare: number[] = [];
const ours: number[] = [];
let bytes = 0;
try {
  for (let round = 0; round < ROUNDS; round++) {
    bare.push((await runProcess(['-e', ''], [])).cpuMs);
    const run = await runProcess([server], requests);
    ours.push(run.cpuMs);
    bytes = run.toolsListBytes;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const ratio = median(ours) / median(bare);
console.log(`node -e ''                          ${median(bare).toFixed(1)} ms CPU (median of ${ROUNDS})`);
console.log(`rollgate-mcp initialize+tools/list  ${median(ours).toFixed(1)} ms CPU`);
console.log(`cold start ratio                    ${ratio.toFixed(2)}× (target ≤ 1.5×)`);
console.log(`tools/list result                   ${(bytes / 1024).toFixed(1)} KB (target ≤ 25 KB)`);

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  EXPORT_COLUMNS,
  decisionRow,
  exposureRow,
  folderTarget,
  s3Target,
  writeRawExport,
  type ExportRow,
} from '../../src/telemetry/raw-export.ts';
import type { TickResult } from '../../src/rollout/index.ts';
import { FlagError } from '../../src/errors.ts';

const run = promisify(execFile);

/** Exposures over two UTC days, with values that need CSV quoting. */
const exposures = [0, 1, 2].map((i) =>
  exposureRow({
    flagKey: 'checkout',
    variant: i === 2 ? 'on, "bold"' : 'on',
    reason: 'SPLIT',
    userId: `user-${i}`,
    providerName: 'rollgate',
    timestamp: Date.parse('2026-12-05T23:59:59Z') + i * 1000,
    id: `e${i}`,
    ...(i === 0 ? {} : { environment: 'production' }),
  }),
);

const decision = decisionRow({
  flagKey: 'checkout',
  environment: 'production',
  committed: true,
  evaluation: {
    flagKey: 'checkout',
    environment: 'production',
    at: '2026-12-06T10:00:00.000Z',
    variant: 'on',
    controlVariant: 'off',
    stepIndex: 2,
    percentage: 25,
    elapsedMinutes: 30,
    alphaPerTest: 0.01,
    checks: [],
    sampleRatio: undefined,
    representativeness: [],
    decision: {
      decision: 'advance',
      codes: ['step-passed'],
      reasons: ['all guardrails healthy', 'line\nbreak'],
      data: {},
    },
  },
} satisfies TickResult);

/** What a warehouse loads from the files: NDJSON lines as JSON, CSV through Python's csv module (strings). */
async function load(path: string, format: 'ndjson' | 'csv'): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  if (format === 'ndjson') {
    return text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  const script = 'import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="")))))';
  const { stdout } = await run('python3', ['-c', script, path]);
  return JSON.parse(stdout) as Record<string, unknown>[];
}
/** CSV loads every field as text; nulls as empty. */
const asCsv = (rows: ExportRow[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));

describe('raw export', () => {
  it('to a folder, partitioned by UTC day, NDJSON and CSV load back and match', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rollgate-export-'));
    try {
      const target = folderTarget(root);
      const ndjson = await writeRawExport({
        kind: 'exposures',
        rows: exposures,
        format: 'ndjson',
        target,
        partId: 'a',
      });
      assert.deepEqual(ndjson, ['exposures/dt=2026-12-05/part-a.ndjson', 'exposures/dt=2026-12-06/part-a.ndjson']);
      const loaded = [
        ...(await load(join(root, ndjson[0]!), 'ndjson')),
        ...(await load(join(root, ndjson[1]!), 'ndjson')),
      ];
      assert.deepEqual(loaded, exposures);
      assert.deepEqual(Object.keys(loaded[0]!), [...EXPORT_COLUMNS.exposures]);

      const csv = await writeRawExport({ kind: 'exposures', rows: exposures, format: 'csv', target, partId: 'b' });
      const fromCsv = [...(await load(join(root, csv[0]!), 'csv')), ...(await load(join(root, csv[1]!), 'csv'))];
      assert.deepEqual(fromCsv, asCsv(exposures));

      const decisions = await writeRawExport({
        kind: 'decisions',
        rows: [decision],
        format: 'csv',
        target,
        partId: 'c',
      });
      assert.deepEqual(decisions, ['decisions/dt=2026-12-06/part-c.csv']);
      assert.deepEqual(await load(join(root, decisions[0]!), 'csv'), asCsv([decision]));
      // Written whole: no temp files left.
      assert.deepEqual(await readdir(join(root, 'exposures/dt=2026-12-05')), ['part-a.ndjson', 'part-b.csv']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a row without a time', async () => {
    await assert.rejects(
      writeRawExport({ kind: 'decisions', rows: [{ at: 'soon' }], format: 'ndjson', target: folderTarget(tmpdir()) }),
      (e: unknown) => FlagError.is(e, 'INVALID_INPUT'),
    );
  });

  it('to S3-compatible storage: signed PutObject requests, path-style, objects load back and match', async () => {
    const objects = new Map<string, { body: string; type: string | undefined }>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const signed = /^AWS4-HMAC-SHA256 Credential=test-key\/\d{8}\/us-east-1\/s3\/aws4_request, /.test(
          req.headers.authorization ?? '',
        );
        const hash = req.headers['x-amz-content-sha256'];
        const bodyHash = createHash('sha256').update(body).digest('hex');
        if (req.method !== 'PUT' || !signed || (hash !== 'UNSIGNED-PAYLOAD' && hash !== bodyHash)) {
          res.writeHead(400, { 'content-type': 'application/xml' }).end('<Error><Code>BadRequest</Code></Error>');
          return;
        }
        objects.set(decodeURIComponent(new URL(req.url ?? '', 'http://s3').pathname), {
          body: body.toString('utf8'),
          type: req.headers['content-type'],
        });
        res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = s3Target({
        bucket: 'analytics',
        prefix: 'rollgate/',
        client: {
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
        },
      });
      const keys = await writeRawExport({ kind: 'exposures', rows: exposures, format: 'ndjson', target, partId: 's3' });
      assert.equal(keys.length, 2);
      const first = objects.get('/analytics/rollgate/exposures/dt=2026-12-05/part-s3.ndjson');
      const second = objects.get('/analytics/rollgate/exposures/dt=2026-12-06/part-s3.ndjson');
      assert.equal(first?.type, 'application/x-ndjson');
      const loaded = [first.body, second!.body].flatMap((t) =>
        t
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      );
      assert.deepEqual(loaded, exposures);

      const refused = s3Target({
        bucket: 'analytics',
        client: {
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          forcePathStyle: true,
          maxAttempts: 1,
          credentials: { accessKeyId: 'k', secretAccessKey: 's' },
        },
      });
      await assert.rejects(refused.put('x', 'y', 'text/plain'), (e: unknown) => FlagError.is(e, 'STORE_IO'));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

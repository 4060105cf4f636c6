/**
 * Raw export of exposures and rollout-controller decisions for warehouses: newline-delimited JSON or CSV, one
 * object per UTC day and kind, `<kind>/dt=YYYY-MM-DD/part-<id>.<ext>` (Hive-style partitions that BigQuery,
 * Snowflake, Athena and Spark read as a `dt` column), to a folder or to S3-compatible object storage
 * (`@aws-sdk/client-s3`: AWS S3, GCS's S3 interface, MinIO). Node only: `@rollgate/shared/telemetry/export`.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { FlagError, errorMessage } from '../errors.ts';
import type { TickResult } from '../rollout/index.ts';
import type { ExposureEvent } from './exposures.ts';

/** A flat row: what both formats carry. */
export type ExportRow = Readonly<Record<string, string | number | boolean | null>>;

/** The kinds of data exported, each with its own columns (the CSV header, in order). */
export const EXPORT_COLUMNS = {
  exposures: ['timestamp', 'flag_key', 'variant', 'reason', 'user_id', 'provider', 'environment', 'id'],
  decisions: [
    'at',
    'flag_key',
    'environment',
    'variant',
    'control_variant',
    'step_index',
    'percentage',
    'decision',
    'codes',
    'reasons',
    'committed',
  ],
} as const;
/** `exposures` or `decisions`. */
export type ExportKind = keyof typeof EXPORT_COLUMNS;
/** Newline-delimited JSON or CSV (RFC 4180, with a header). */
export type ExportFormat = 'ndjson' | 'csv';

/** An exposure as an export row (`timestamp` in ISO 8601 UTC). */
export function exposureRow(e: ExposureEvent): ExportRow {
  return {
    timestamp: new Date(e.timestamp).toISOString(),
    flag_key: e.flagKey,
    variant: e.variant,
    reason: e.reason,
    user_id: e.userId,
    provider: e.providerName,
    environment: e.environment ?? null,
    id: e.id,
  };
}

/** A rollout controller tick (the decision log) as an export row; codes and reasons joined with `; `. */
export function decisionRow(t: TickResult): ExportRow {
  const e = t.evaluation;
  return {
    at: e.at,
    flag_key: t.flagKey,
    environment: t.environment,
    variant: e.variant,
    control_variant: e.controlVariant,
    step_index: e.stepIndex,
    percentage: e.percentage,
    decision: e.decision.decision,
    codes: e.decision.codes.join('; '),
    reasons: e.decision.reasons.join('; '),
    committed: t.committed,
  };
}

/** Where export objects go. */
export interface ExportTarget {
  /** Writes one object whole (readers never see part of it). */
  put(key: string, body: string, contentType: string): Promise<void>;
}

/** A folder target: `<root>/<key>`, written to a temp file then renamed. Errors: STORE_IO. */
export function folderTarget(root: string): ExportTarget {
  const base = resolve(root);
  return {
    async put(key, body) {
      const path = resolve(base, key);
      // Security: keys are built here, but never let one escape the export folder.
      if (!path.startsWith(base + sep)) throw new FlagError('INVALID_INPUT', `Export key ${key} leaves ${base}.`);
      try {
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(temp, body);
        await rename(temp, path);
      } catch (e) {
        throw new FlagError('STORE_IO', `Cannot write ${path}: ${errorMessage(e)}`, {
          hint: 'Check that the export folder is writable.',
        });
      }
    },
  };
}

/** Options of {@link s3Target}. */
export interface S3TargetOptions {
  readonly bucket: string;
  /** Key prefix, e.g. `rollgate/` (default none). */
  readonly prefix?: string;
  /**
   * A ready client, or its configuration: `endpoint` for GCS (`https://storage.googleapis.com`, HMAC keys) or
   * MinIO (with `forcePathStyle: true`). Credentials come from the config or the AWS default chain, never flags.
   */
  readonly client?: S3Client | S3ClientConfig;
}

/**
 * An S3-compatible target (PutObject). The SDK is loaded on first use. Checksums are only computed where the API
 * requires them, which GCS and MinIO accept. Errors: STORE_IO with the storage's message.
 */
export function s3Target(options: S3TargetOptions): ExportTarget {
  let client: Promise<S3Client> | undefined;
  const load = async (): Promise<S3Client> => {
    const { S3Client: Client } = await import('@aws-sdk/client-s3');
    const given = options.client;
    if (given instanceof Client) return given;
    return new Client({
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...given,
    });
  };
  return {
    async put(key, body, contentType) {
      client ??= load();
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const Key = `${options.prefix ?? ''}${key}`;
      try {
        await (
          await client
        ).send(new PutObjectCommand({ Bucket: options.bucket, Key, Body: body, ContentType: contentType }));
      } catch (e) {
        throw new FlagError('STORE_IO', `Cannot write s3://${options.bucket}/${Key}: ${errorMessage(e)}`, {
          hint: 'Check the bucket, the endpoint and the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).',
        });
      }
    },
  };
}

/** Input of {@link writeRawExport}. */
export interface RawExportOptions {
  readonly kind: ExportKind;
  readonly rows: readonly ExportRow[];
  readonly format: ExportFormat;
  readonly target: ExportTarget;
  /** Part id, unique per writer and run (default: time + random), so parallel writers never overwrite. */
  readonly partId?: string;
}

/**
 * Writes `rows` partitioned by the UTC day of their first column (`timestamp` / `at`); returns the keys written.
 * Errors: those of the target (STORE_IO); INVALID_INPUT for a row without a parseable time.
 */
export async function writeRawExport(options: RawExportOptions): Promise<string[]> {
  const columns = EXPORT_COLUMNS[options.kind];
  const byDay = new Map<string, ExportRow[]>();
  for (const row of options.rows) {
    const time = Date.parse(String(row[columns[0]]));
    if (Number.isNaN(time)) {
      throw new FlagError('INVALID_INPUT', `An ${options.kind} row has no valid ${columns[0]}: ${JSON.stringify(row)}`);
    }
    const day = new Date(time).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  const part = options.partId ?? `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const keys: string[] = [];
  for (const [day, rows] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
    const key = `${options.kind}/dt=${day}/part-${part}.${options.format}`;
    const body =
      options.format === 'csv'
        ? toCsv(columns, rows)
        : rows.map((r) => JSON.stringify(pick(columns, r))).join('\n') + '\n';
    await options.target.put(key, body, options.format === 'csv' ? 'text/csv' : 'application/x-ndjson');
    keys.push(key);
  }
  return keys;
}

const pick = (columns: readonly string[], row: ExportRow): ExportRow =>
  Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));

/** RFC 4180 CSV with a header; null is an empty field, quotes doubled, fields with `,` `"` or newlines quoted. */
function toCsv(columns: readonly string[], rows: readonly ExportRow[]): string {
  const field = (v: ExportRow[string] | undefined): string => {
    if (v === null || v === undefined) return '';
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}

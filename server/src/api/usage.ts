/**
 * `POST /v1/usage` with an SDK key: evaluation counts from apps' usage hooks (`@rollgate/shared/telemetry`), added
 * to the usage store per day. Every entry must be for the key's environment. A batch id already stored is
 * acknowledged without being added again, so SDK retries never double-count.
 */
import type { IncomingMessage } from 'node:http';
import { usageBatchSchema } from '@rollgate/shared/telemetry';
import type { UsageStore } from '@rollgate/shared/telemetry/usage-store';
import { secretFromHeaders, type AccessControl } from '../auth.ts';
import { HttpError, readJsonBody, type Reply } from '../http-util.ts';

/** Validates, authorizes and stores one usage batch. Errors: HttpError 400/401/403. */
export async function postUsage(
  req: IncomingMessage,
  access: AccessControl,
  usage: UsageStore,
  apiKeyHeader: string | undefined,
): Promise<Reply> {
  const parsed = usageBatchSchema.safeParse(await readJsonBody(req));
  if (!parsed.success) {
    throw new HttpError(400, 'GENERAL', `Invalid usage batch: ${parsed.error.issues[0]?.message ?? 'bad body'}.`);
  }
  const environments = [...new Set(parsed.data.entries.map((e) => e.environment))];
  if (environments.length > 1) {
    throw new HttpError(400, 'GENERAL', `A usage batch is for one environment; got ${environments.join(', ')}.`);
  }
  const secret = secretFromHeaders(req.headers.authorization, apiKeyHeader);
  const result = await access.check(secret, environments[0], 'set each entry’s environment');
  if (!result.ok) throw new HttpError(result.status, 'GENERAL', result.message);
  const added = await usage.add(parsed.data);
  return { status: 200, body: { batchId: parsed.data.batchId, added } };
}

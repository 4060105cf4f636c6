/**
 * Usage counts in the `usage_days` table (migration 0002), for a server on PostgreSQL: every replica adds to the
 * same counts. Same contract as {@link FileUsageStore}: a batch id already counted for an environment and day is
 * skipped, so a retried batch is added exactly once.
 */
import type { Pool } from 'pg';
import type { UsageBatch } from '../../telemetry/usage.ts';
import {
  addUsageEntry,
  byFlagKey,
  oneFlagUsage,
  usageDayOf,
  type FlagDay,
  type FlagUsageDay,
  type UsageStore,
} from '../../telemetry/usage-store.ts';
import { withPooledClient } from './connection.ts';

/** {@link UsageStore} over the store's database (sharing its connection pool). Errors: STORE_IO, INVALID_INPUT. */
export class PostgresUsageStore implements UsageStore {
  private readonly pool: Pool;
  private readonly location: string;

  constructor(pool: Pool, location: string) {
    this.pool = pool;
    this.location = location;
  }

  add(batch: UsageBatch): Promise<boolean> {
    const byDay = new Map<string, UsageBatch['entries']>();
    for (const e of batch.entries) {
      const key = JSON.stringify([e.environment, usageDayOf(e)]);
      byDay.set(key, [...(byDay.get(key) ?? []), e]);
    }
    return withPooledClient(this.pool, this.location, 'add usage counts to', async (client) => {
      await client.query('BEGIN');
      let added = false;
      for (const [key, entries] of byDay) {
        const [environment, day] = JSON.parse(key) as [string, string];
        const fresh = await client.query(
          'INSERT INTO usage_batches (batch_id, environment, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [batch.batchId, environment, day],
        );
        if (fresh.rowCount === 0) continue;
        // Concurrent batches (other replicas) for the same environment and day wait for this one, then add on top;
        // a row lock would not cover a flag's first count of the day (no row yet).
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`usage:${key}`]);
        const keys = [...new Set(entries.map((e) => e.flagKey))];
        const { rows } = await client.query<{ flag_key: string; data: FlagDay }>(
          `SELECT flag_key, data FROM usage_days WHERE environment = $1 AND day = $2 AND flag_key = ANY($3::text[])
`,
          [environment, day, keys],
        );
        const days = new Map(rows.map((r) => [r.flag_key, r.data]));
        for (const e of entries) days.set(e.flagKey, addUsageEntry(days.get(e.flagKey), e));
        await client.query(
          `INSERT INTO usage_days (flag_key, environment, day, data)
             SELECT key, $2, $3, value FROM jsonb_each($1::jsonb)
             ON CONFLICT (flag_key, environment, day) DO UPDATE SET data = excluded.data`,
          [JSON.stringify(Object.fromEntries(days)), environment, day],
        );
        added = true;
      }
      await client.query('COMMIT');
      return added;
    });
  }

  flagUsage(flagKey: string): Promise<FlagUsageDay[]> {
    return oneFlagUsage(this, flagKey);
  }

  async usageOf(flagKeys: readonly string[]): Promise<Map<string, FlagUsageDay[]>> {
    return withPooledClient(this.pool, this.location, 'read usage counts of', async (client) => {
      const { rows } = await client.query<{ flag_key: string; environment: string; day: string; data: FlagDay }>(
        'SELECT flag_key, environment, day, data FROM usage_days WHERE flag_key = ANY($1::text[])',
        [flagKeys],
      );
      return byFlagKey(
        flagKeys,
        rows.map((r) => ({ flagKey: r.flag_key, environment: r.environment, date: r.day, ...r.data })),
      );
    });
  }
}

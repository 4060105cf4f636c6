/**
 * SDK keys in the `sdk_keys` table (migration 0002), for a server on PostgreSQL: every replica sees the same keys.
 * Same contract and key format as the file store's {@link FileSdkKeyStore}; only hashes are stored.
 */
import type { Pool } from 'pg';
import {
  anyActiveKey,
  findActiveKey,
  KeyIndex,
  newSdkKeyRecord,
  publicKey,
  unknownSdkKeyError,
  type CreatedSdkKey,
  type SdkKey,
  type SdkKeyRecord,
  type SdkKeyStore,
  type SdkKeyStoreOptions,
} from '../sdk-keys.ts';
import { withPooledClient } from './connection.ts';

interface Row {
  id: string;
  environment: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  hint: string;
  hash: string;
}

function recordOf(row: Row): SdkKeyRecord {
  return {
    id: row.id,
    environment: row.environment,
    ...(row.label === null ? {} : { label: row.label }),
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    hint: row.hint,
    hash: row.hash,
  };
}

/**
 * {@link SdkKeyStore} over the `sdk_keys` table of the store's database (sharing the store's connection pool).
 * `verify` serves from a copy of the table read at most every `recheckMs`, so a key created or revoked through any
 * replica or CLI takes effect everywhere within about a second. Errors: STORE_IO (database unreachable), those of
 * {@link newSdkKeyRecord}, FLAG_NOT_FOUND (`revoke` of an unknown id).
 */
export class PostgresSdkKeyStore implements SdkKeyStore {
  readonly location: string;
  private readonly pool: Pool;
  private readonly index: KeyIndex;

  /** `location` is the store's printable location (no password). */
  constructor(pool: Pool, location: string, options: SdkKeyStoreOptions = {}) {
    this.pool = pool;
    this.location = `${location} (table sdk_keys)`;
    this.index = new KeyIndex(options);
  }

  async create(input: { environment: string; label?: string; now: Date }): Promise<CreatedSdkKey> {
    const { record, secret } = newSdkKeyRecord(input);
    await this.query('create an SDK key in', async (client) => {
      await client.query(
        `INSERT INTO sdk_keys (id, environment, label, created_at, hint, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
        [record.id, record.environment, record.label ?? null, record.createdAt, record.hint, record.hash],
      );
    });
    this.index.invalidate();
    return { key: publicKey(record), secret };
  }

  async list(environment?: string): Promise<SdkKey[]> {
    return (await this.records())
      .filter((k) => environment === undefined || k.environment === environment)
      .map(publicKey);
  }

  async revoke(id: string, now: Date): Promise<SdkKey> {
    const rows = await this.query('revoke an SDK key in', async (client) => {
      // Idempotent: an already revoked key keeps its first revocation time.
      const result = await client.query<Row>(
        'UPDATE sdk_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *',
        [id, now.toISOString()],
      );
      return result.rows;
    });
    const row = rows[0];
    if (row === undefined) throw unknownSdkKeyError(id);
    this.index.invalidate();
    return publicKey(recordOf(row));
  }

  async verify(secret: string): Promise<SdkKey | undefined> {
    return findActiveKey(await this.keys(), secret);
  }

  async hasActiveKeys(): Promise<boolean> {
    return anyActiveKey((await this.keys()).values());
  }

  private keys(): Promise<ReadonlyMap<string, SdkKeyRecord>> {
    return this.index.get(() => this.records());
  }

  private async records(): Promise<SdkKeyRecord[]> {
    return this.query('read the SDK keys of', async (client) => {
      const { rows } = await client.query<Row>('SELECT * FROM sdk_keys ORDER BY created_at, id');
      return rows.map(recordOf);
    });
  }

  private query<T>(action: string, fn: Parameters<typeof withPooledClient<T>>[3]): Promise<T> {
    return withPooledClient(this.pool, this.location, action, fn);
  }
}

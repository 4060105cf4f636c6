/**
 * API tokens in the `api_tokens` table (migration 0003), for a server on PostgreSQL: every replica and the CLI on the
 * same database see the same tokens. Same contract and token format as the file store's {@link FileTokenStore};
 * only hashes are stored.
 */
import type { Pool } from 'pg';
import type { Identity } from '../../auth/roles.ts';
import {
  authenticateToken,
  findTokenRecord,
  newToken,
  tokenIdOf,
  tokenRecordSchema,
  type TokenInput,
  type TokenRecord,
  type TokenStore,
} from '../../auth/tokens.ts';
import { FlagError } from '../../errors.ts';
import { withPooledClient } from './connection.ts';

interface Row {
  id: string;
  name: string;
  kind: string;
  roles: unknown;
  hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** The record of `row`. Errors: PARSE_ERROR (a row not written by Rollgate). */
function recordOf(row: Row): TokenRecord {
  const parsed = tokenRecordSchema.safeParse({
    id: row.id,
    name: row.name,
    kind: row.kind,
    roles: row.roles,
    hash: row.hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlagError('PARSE_ERROR', `The api_tokens row ${row.id}: ${issue?.path.join('.')}: ${issue?.message}`, {
      hint: 'Rows are written by rollgate token; revoke this one and create a new token rather than editing it by hand.',
    });
  }
  return parsed.data;
}

/**
 * {@link TokenStore} over the `api_tokens` table of the store's database (sharing the store's connection pool).
 * `authenticate` reads the token's row on every call (one primary-key lookup, no cache), so a token revoked through
 * any replica or CLI is refused at its next request. Errors: STORE_IO (database unreachable), PARSE_ERROR, those of
 * {@link newToken}, {@link findTokenRecord} and {@link authenticateToken}.
 */
export class PostgresTokenStore implements TokenStore {
  private readonly pool: Pool;
  private readonly location: string;

  /** `location` is the store's printable location (no password). */
  constructor(pool: Pool, location: string) {
    this.pool = pool;
    this.location = `${location} (table api_tokens)`;
  }

  async create(input: TokenInput, now: Date): Promise<{ record: TokenRecord; token: string }> {
    const created = newToken(input, now);
    const { record } = created;
    // One row per token: concurrent creates are separate inserts and never lose each other.
    await this.query('create an API token in', (client) =>
      client.query(
        `INSERT INTO api_tokens (id, name, kind, roles, hash, created_at, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          record.id,
          record.name,
          record.kind,
          JSON.stringify(record.roles),
          record.hash,
          record.createdAt,
          record.createdBy,
          record.expiresAt ?? null,
        ],
      ),
    );
    return created;
  }

  async list(): Promise<TokenRecord[]> {
    return this.query('read the API tokens of', async (client) => {
      const { rows } = await client.query<Row>('SELECT * FROM api_tokens ORDER BY created_at, id');
      return rows.map(recordOf);
    });
  }

  async revoke(idOrName: string, now: Date): Promise<TokenRecord> {
    return this.query('revoke an API token in', async (client) => {
      await client.query('BEGIN');
      // The candidates, locked: the token of that id, or the active ones of that name (findTokenRecord decides).
      const { rows } = await client.query<Row>(
        'SELECT * FROM api_tokens WHERE id = $1 OR (name = $1 AND revoked_at IS NULL) FOR UPDATE',
        [idOrName],
      );
      const target = findTokenRecord(rows.map(recordOf), idOrName);
      // Idempotent: an already revoked token keeps its first revocation time.
      const updated = await client.query<Row>(
        'UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *',
        [target.id, now.toISOString()],
      );
      await client.query('COMMIT');
      const row = updated.rows[0];
      if (row === undefined) throw new FlagError('GENERAL', `The token ${target.id} vanished while being revoked.`);
      return recordOf(row);
    });
  }

  async authenticate(token: string, now: Date): Promise<Identity> {
    const id = tokenIdOf(token);
    const row =
      id === undefined
        ? undefined
        : await this.query('authenticate an API token against', async (client) => {
            const { rows } = await client.query<Row>('SELECT * FROM api_tokens WHERE id = $1', [id]);
            return rows[0];
          });
    return authenticateToken(row && recordOf(row), token, now);
  }

  private query<T>(action: string, fn: Parameters<typeof withPooledClient<T>>[3]): Promise<T> {
    return withPooledClient(this.pool, this.location, action, fn);
  }
}

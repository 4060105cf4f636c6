// PostgresTokenStore on a real PostgreSQL (a throwaway cluster): the TokenStore contract, each instance on its own
// connection pool (two server replicas, or a server and the CLI), then what only this store does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { usePostgres } from '../support/postgres.ts';
import { NOW, rejectsWith, tokenStoreContract } from './token-contract.ts';

const cluster = usePostgres();

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<pg.QueryResultRow>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database and a way to open stores on it (each on its own pool), disposed together. */
async function database(): Promise<{ url: string; open(): Promise<PostgresStore>; dispose(): void }> {
  const url = await cluster().createDatabase();
  const stores: PostgresStore[] = [];
  return {
    url,
    async open() {
      const store = await openPostgresStore(url);
      stores.push(store);
      return store;
    },
    dispose: () => stores.forEach((s) => s.dispose()),
  };
}

tokenStoreContract('PostgresTokenStore', async () => {
  const db = await database();
  return {
    tokens: (await db.open()).services().tokens,
    open: async () => (await db.open()).services().tokens,
    stored: async () => JSON.stringify(await query(db.url, 'SELECT * FROM api_tokens')),
    cleanup: () => Promise.resolve(db.dispose()),
  };
});

describe('PostgresTokenStore', () => {
  it('refuses a row not written by Rollgate with what to do, rather than trusting it', async () => {
    const db = await database();
    try {
      const { tokens } = (await db.open()).services();
      const { token, record } = await tokens.create(
        { name: 'alice', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' },
        NOW,
      );
      await query(db.url, `UPDATE api_tokens SET roles = '{"*": "owner"}' WHERE id = $1`, [record.id]);
      await assert.rejects(
        tokens.authenticate(token, NOW),
        rejectsWith('PARSE_ERROR', new RegExp(`api_tokens row ${record.id}: roles`)),
      );
    } finally {
      db.dispose();
    }
  });

  it('says which database it cannot reach', async () => {
    const url = await cluster().createDatabase();
    const store = await openPostgresStore(url);
    const { tokens } = store.services();
    store.dispose();
    await assert.rejects(
      tokens.list(),
      rejectsWith(
        'STORE_IO',
        /Could not read the API tokens of the PostgreSQL store at postgres:\/\/rollgate@127\.0\.0\.1:\d+\/test_\d+_\d+ \(table api_tokens\)/,
      ),
    );
  });
});

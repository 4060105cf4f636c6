/**
 * Connection facts of the PostgreSQL store: the printable location of a database URL (never its password) and the
 * mapping of node-postgres errors to FlagError STORE_IO with a hint.
 */
import type { Pool, PoolClient } from 'pg';
import { FlagError } from '../../errors.ts';

/**
 * `postgres://user@host:port/db` for messages and `FlagStore.location`; the password and query are left out.
 * Errors: INVALID_INPUT when `url` is not a postgres:// or postgresql:// URL.
 */
export function describeDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl(url);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw invalidUrl(url);
  const user = parsed.username ? `${parsed.username}@` : '';
  const socket = parsed.searchParams.get('host');
  const host = parsed.host || (socket ? socket : 'localhost');
  return `postgres://${user}${host}${parsed.pathname}`;
}

function invalidUrl(url: string): FlagError {
  // Security: the URL may hold a password; only its scheme is echoed.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  return new FlagError('INVALID_INPUT', `Not a PostgreSQL connection URL (scheme ${scheme}).`, {
    hint: 'Pass a URL such as postgres://user:password@localhost:5432/rollgate (--database or $DATABASE_URL).',
  });
}

/** SQLSTATE classes and Node errno codes that mean the database cannot be reached right now. */
const UNREACHABLE = /^(08|57P0|53300)|^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EPIPE|EAI_AGAIN)$/;

/** True when `e` says the connection is gone or cannot be made (as opposed to a refused statement). */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.test(code)) return true;
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** Maps an error of node-postgres to STORE_IO (FlagErrors pass through unchanged). */
export function databaseError(e: unknown, action: string, location: string): FlagError {
  if (FlagError.is(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  const hint = isConnectionError(e)
    ? 'Check that PostgreSQL is running and reachable at this address; the store reconnects by itself once it is.'
    : code === '28P01' || code === '28000'
      ? 'Check the user name and password in the database URL.'
      : code === '3D000'
        ? 'Create the database first (createdb <name>), or fix the database name in the URL.'
        : 'Check the database URL and the PostgreSQL server log.';
  return new FlagError(
    'STORE_IO',
    `Could not ${action} the PostgreSQL store at ${location}: ${reason}`,
    { location, ...(typeof code === 'string' ? { errno: code } : {}), hint },
    { cause: e },
  );
}

/**
 * Runs `fn` on a connection of `pool` (`action` names what it does, for messages). A connection lost on the way is
 * discarded rather than returned to the pool; a failed statement rolls back; pg errors become STORE_IO.
 */
export async function withPooledClient<T>(
  pool: Pool,
  location: string,
  action: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw databaseError(e, action, location);
  }
  let broken: Error | undefined;
  // A connection lost mid-operation emits 'error' on the checked-out client as well as failing the query.
  const onError = (e: Error): void => {
    broken = e;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (e) {
    if (isConnectionError(e)) broken = e instanceof Error ? e : new Error(String(e));
    else await client.query('ROLLBACK').catch(() => {});
    throw FlagError.is(e) ? e : databaseError(e, action, location);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

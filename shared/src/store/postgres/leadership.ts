/**
 * Leadership among processes sharing a PostgreSQL store: a session-level advisory lock (`pg_try_advisory_lock`) on a
 * dedicated connection, held for as long as that connection lives. PostgreSQL releases it when the session ends, so a
 * leader that dies (kill -9, a crashed host whose TCP connection the server drops) frees it for the next replica's
 * try; a leader whose connection breaks notices on its next try (or at once, from the connection's error event),
 * stops leading and competes again on a new connection. A leader whose host vanishes silently is noticed by the
 * server's TCP keepalive (set per session, below). Requires a session-mode connection: a transaction-mode
 * pooler (PgBouncer `pool_mode=transaction`) would release the lock under the leader.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '../../errors.ts';
import type { StoreLeadership } from '../types.ts';

/** Bounds on the leadership connection, so a try never hangs on an unreachable server. */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 5_000;
/**
 * TCP keepalive of the leader's session on the server side (idle 10 s, then 3 probes 5 s apart): when the leader's
 * host vanishes without closing the connection, PostgreSQL ends the session, and frees the lock, within about 25 s
 * instead of the operating system's default of hours. Ignored on unix sockets (no TCP).
 */
const SERVER_KEEPALIVE = 'SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3';

/** The advisory lock key of a leadership name: 64 bits of SHA-256("rollgate:<name>"), as a signed bigint string. */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`rollgate:${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * A leadership named `name` over the database `connectionString` reaches. `onError` hears why a try failed (the
 * server unreachable, the connection lost), which counts as not leading.
 */
export function createPostgresLeadership(
  connectionString: string,
  name: string,
  onError: (message: string) => void = () => {},
): StoreLeadership {
  const key = advisoryLockKey(name);
  let client: pg.Client | undefined;
  let leading = false;
  let disposed = false;

  const drop = (): void => {
    const c = client;
    client = undefined;
    leading = false;
    c?.removeAllListeners();
    // A broken client may still emit; it must not crash the process.
    c?.on('error', () => {});
    // Ending the session releases the lock, if the server still has it.
    void c?.end().catch(() => {});
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: `rollgate ${name} leadership`,
    });
    // Security/correctness: a lost connection means the lock is gone with it; stop leading at once.
    const lost = (): void => {
      if (client === c) drop();
    };
    c.on('error', lost);
    c.on('end', lost);
    client = c;
    await c.connect();
    await c.query(SERVER_KEEPALIVE);
    return c;
  };

  return {
    async tryLead() {
      if (disposed) return false;
      try {
        const c = client ?? (await connect());
        if (leading) {
          // The session is alive, so its advisory lock is still held (only unlock or the session's end frees it).
          await c.query('SELECT 1');
        } else {
          const { rows } = await c.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
            key,
          ]);
          leading = rows[0]?.locked === true;
        }
        if (disposed || client !== c) {
          drop();
          return false;
        }
        return leading;
      } catch (e) {
        drop();
        onError(errorMessage(e));
        return false;
      }
    },
    dispose() {
      disposed = true;
      drop();
    },
  };
}

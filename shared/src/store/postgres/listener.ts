/**
 * A dedicated connection that LISTENs on the store's notification channel and reconnects by itself: after a lost
 * connection it retries with backoff (100 ms doubling to 2 s), LISTENs again and reports `onConnected`, so the store
 * reloads what it missed while disconnected.
 */
import pg from 'pg';
import type { Disposable } from '../../lifecycle.ts';

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

export interface ListenerEvents {
  /** A NOTIFY on the channel, with its payload. */
  readonly onNotification: (payload: string) => void;
  /** The LISTEN is (again) in place: anything sent while it was not has been missed. */
  readonly onConnected: () => void;
  /** The connection failed or was lost; a reconnect is scheduled. */
  readonly onDisconnected: (error: unknown) => void;
}

/** Starts listening on `channel` (a plain identifier) of the database `config` reaches; dispose to stop. */
export function listen(config: pg.ClientConfig, channel: string, events: ListenerEvents): Disposable {
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = MIN_BACKOFF_MS;
  let disposed = false;

  const retry = (error: unknown): void => {
    const lost = client;
    client = undefined;
    lost?.removeAllListeners();
    // A broken client may still emit; it must not crash the process.
    lost?.on('error', () => {});
    void lost?.end().catch(() => {});
    if (disposed) return;
    events.onDisconnected(error);
    clearTimeout(timer);
    timer = setTimeout(connect, backoff);
    timer.unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  const connect = (): void => {
    if (disposed || client) return;
    const c = new pg.Client(config);
    client = c;
    c.on('error', retry);
    c.on('end', () => retry(new Error('Connection terminated unexpectedly')));
    c.on('notification', (n) => {
      if (n.channel === channel) events.onNotification(n.payload ?? '');
    });
    c.connect()
      .then(() => c.query(`LISTEN ${channel}`))
      .then(() => {
        if (client !== c) return;
        backoff = MIN_BACKOFF_MS;
        // The listening connection must not keep the process alive on its own (like the file store's watcher).
        (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        events.onConnected();
      })
      .catch((e: unknown) => {
        if (client === c) retry(e);
      });
  };

  connect();
  return {
    dispose() {
      disposed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      c?.removeAllListeners();
      c?.on('error', () => {});
      void c?.end().catch(() => {});
    },
  };
}

/**
 * vscode-compatible Disposable, Event and Emitter without a `vscode` import, so core objects can be pushed to
 * `context.subscriptions` in the extension and used with `using` in tests.
 */
export interface Disposable {
  dispose(): void;
}

/** A Disposable that runs `fn` once. */
export function toDisposable(fn: () => void): Disposable & { [Symbol.dispose](): void } {
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    fn();
  };
  return { dispose, [Symbol.dispose]: dispose };
}

/** Disposes `items` in reverse order of registration; errors of one do not stop the others. */
export function disposeAll(items: Disposable[]): void {
  const errors: unknown[] = [];
  while (items.length > 0) {
    try {
      items.pop()?.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several disposables failed');
}

/** A subscribable event: call it with a listener, get a Disposable that unsubscribes. */
export type Event<T> = (listener: (e: T) => void) => Disposable;

/** Fires events to listeners; a throwing listener does not stop the others (its error goes to `onListenerError`). */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  private readonly onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => {});
    const wrapped = (e: T): void => listener(e);
    this.listeners.add(wrapped);
    return toDisposable(() => this.listeners.delete(wrapped));
  };

  fire(e: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(e);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * An {@link Emitter} whose source runs only while someone listens: `start` runs with the first listener and what it
 * returns (the running source, e.g. a file watcher or a LISTEN connection) is disposed with the last listener, or on
 * {@link dispose}. After dispose, new listeners get a no-op subscription. The stores' `onDidChange` use it.
 */
export class WatchedEmitter<T, W extends Disposable> implements Disposable {
  private readonly emitter = new Emitter<T>();
  private readonly start: () => W;
  private running: W | undefined;
  private listeners = 0;
  private disposed = false;

  constructor(start: () => W) {
    this.start = start;
  }

  /** The running source, while there are listeners. */
  get watching(): W | undefined {
    return this.running;
  }

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => {});
    const subscription = this.emitter.event(listener);
    this.listeners++;
    this.running ??= this.start();
    return toDisposable(() => {
      subscription.dispose();
      this.listeners--;
      if (this.listeners === 0) this.stop();
    });
  };

  fire(e: T): void {
    this.emitter.fire(e);
  }

  /** Stops the source and drops every listener. Idempotent. */
  dispose(): void {
    this.disposed = true;
    this.stop();
    this.emitter.dispose();
  }

  private stop(): void {
    const running = this.running;
    this.running = undefined;
    running?.dispose();
  }
}

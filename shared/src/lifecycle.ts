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

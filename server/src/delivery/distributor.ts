/**
 * The distributor: the one place that turns store changes into what clients receive. Each environment is compiled
 * to flagd JSON ONCE per store change (never per client), hashed into an ETag and loaded into a FlagdEngine for
 * OFREP; the sync service, OFREP and the flagd JSON endpoint only read this cache.
 */
import { createHash } from 'node:crypto';
import { errorMessage } from '@rollgate/shared/errors';
import { FlagdEngine, type ValueType } from '@rollgate/shared/eval';
import { compileEnvironment, serializeFlagdDocument } from '@rollgate/shared/flagd';
import { Emitter, disposeAll, toDisposable, type Disposable, type Event } from '@rollgate/shared/lifecycle';
import type { FlagStore, StoreSnapshot } from '@rollgate/shared/store';

const ms = (duration: number): string => `${duration.toFixed(1)} ms`;

/** The compiled state of one environment, shared by every client of it. Never mutated: a change replaces it. */
export interface EnvironmentState {
  readonly environment: string;
  /** flagd JSON exactly as `rollgate compile` writes `.rollgate/flagd/<env>.flagd.json`. */
  readonly json: string;
  /**
   * The same document without whitespace (less than half the bytes), for the sync streams: every change is sent to
   * each of them, so its size is what the server writes and every client decodes.
   */
  readonly compactJson: string;
  /** Strong ETag of `json`, quoted (`"…"`). */
  readonly etag: string;
  /** Rollgate's engine loaded with `json`, for OFREP. */
  readonly engine: FlagdEngine;
  /** Flag key → declared type: OFREP requests carry no type, the store does. */
  readonly types: ReadonlyMap<string, ValueType>;
  /** Store revision this state was compiled from. */
  readonly revision: number;
  /** When the change was seen (ms since epoch), for the propagation-delay metric. */
  readonly detectedAt: number;
}

export interface DistributorOptions {
  readonly log: (message: string) => void;
  /** How often the store is read back as a health probe and a safety net for missed change events, in ms. */
  readonly probeIntervalMs: number;
  readonly now: () => number;
}

/**
 * Holds the current {@link EnvironmentState} of every environment. Listens to `store.onDidChange` and also reads the
 * store every `probeIntervalMs`: a failed read marks the store unreachable (clients keep the last good state), the
 * next good read applies whatever changed meanwhile. An environment whose compile fails keeps its last good state.
 */
export class Distributor implements Disposable {
  private readonly states = new Map<string, EnvironmentState>();
  private readonly disposables: Disposable[] = [];
  private readonly _onDidChangeEnvironment: Emitter<EnvironmentState>;
  /** Fires once per environment whose compiled JSON changed. */
  readonly onDidChangeEnvironment: Event<EnvironmentState>;
  private appliedVersion: string | undefined;
  private reachable = false;
  private lastError: string | undefined;
  private probing: Promise<void> | undefined;
  private readonly store: FlagStore;
  private readonly options: DistributorOptions;

  constructor(store: FlagStore, options: DistributorOptions) {
    this.store = store;
    this.options = options;
    this._onDidChangeEnvironment = new Emitter((e) => options.log(`a change listener failed: ${errorMessage(e)}`));
    this.onDidChangeEnvironment = this._onDidChangeEnvironment.event;
  }

  /** Subscribes to the store and makes the first read (a failure leaves the distributor not ready; probes retry). */
  async start(): Promise<void> {
    this.disposables.push(
      this._onDidChangeEnvironment,
      this.store.onDidChange((snapshot) => {
        this.reachable = true;
        this.apply(snapshot);
      }),
    );
    const timer = setInterval(() => void this.probe(), this.options.probeIntervalMs);
    timer.unref();
    this.disposables.push(toDisposable(() => clearInterval(timer)));
    await this.probe();
  }

  /** Reads the store once: updates reachability and applies the snapshot. Concurrent calls share one read. */
  probe(): Promise<void> {
    this.probing ??= this.store
      .read()
      .then(
        (snapshot) => {
          if (!this.reachable && this.lastError !== undefined) this.options.log(`store reachable again`);
          this.reachable = true;
          this.lastError = undefined;
          this.apply(snapshot);
        },
        (e: unknown) => {
          if (this.reachable || this.lastError === undefined) {
            this.options.log(`store unreachable, serving the last good flags: ${errorMessage(e)}`);
          }
          this.reachable = false;
          this.lastError = errorMessage(e);
        },
      )
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  /** The current state of `environment`, or undefined when it is unknown or not loaded yet. */
  get(environment: string): EnvironmentState | undefined {
    return this.states.get(environment);
  }

  /** Keys of the environments being served. */
  environments(): string[] {
    return [...this.states.keys()];
  }

  /** Ready = the store answered the last probe and flags are loaded. `reason` says what is missing. */
  readiness(): { ready: boolean; reason?: string } {
    if (!this.reachable) return { ready: false, reason: `store unreachable: ${this.lastError ?? 'not read yet'}` };
    if (this.states.size === 0) return { ready: false, reason: 'no environment compiled yet' };
    return { ready: true };
  }

  private apply(snapshot: StoreSnapshot): void {
    if (snapshot.version === this.appliedVersion) return;
    this.appliedVersion = snapshot.version;
    const { document } = snapshot;
    const detectedAt = this.options.now();
    const types = new Map(document.flags.map((f) => [f.key, f.type] as const));
    for (const { key: environment } of document.environments) {
      const started = performance.now();
      let json: string;
      try {
        json = serializeFlagdDocument(compileEnvironment(document, environment));
      } catch (e) {
        this.options.log(`cannot compile "${environment}", serving its last good flags: ${errorMessage(e)}`);
        continue;
      }
      const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
      const previous = this.states.get(environment);
      if (previous?.etag === etag) continue;
      const engine = new FlagdEngine();
      engine.setFlags(json);
      const compactJson = JSON.stringify(JSON.parse(json));
      const compiled = performance.now();
      const state: EnvironmentState = {
        environment,
        json,
        compactJson,
        etag,
        engine,
        types,
        revision: snapshot.revision,
        detectedAt,
      };
      this.states.set(environment, state);
      this._onDidChangeEnvironment.fire(state);
      // The server's share of the propagation delay, for operators and the propagation benchmark.
      this.options.log(
        `"${environment}" at revision ${snapshot.revision} (seen ${new Date(detectedAt).toISOString()}): compiled in ` +
          `${ms(compiled - started)}, handed to every client in ${ms(performance.now() - compiled)}`,
      );
    }
  }

  dispose(): void {
    disposeAll(this.disposables);
  }
}

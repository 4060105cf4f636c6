/**
 * An OpenFeature server provider that evaluates Rollgate's compiled flagd documents in-process with the Rollgate
 * flagd engine: from a `.flagd.json` file (watched; reloaded on change) or from an in-memory document.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ErrorCode, OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/server-sdk';
import type {
  EvaluationContext,
  FlagValue,
  FlagValueType,
  JsonValue,
  Provider,
  ResolutionDetails,
} from '@openfeature/server-sdk';
import { FlagdEngine } from '../eval/index.ts';
import { FlagError, errorMessage } from '../errors.ts';
import type { FlagdDocument } from '../flagd/types.ts';

/**
 * Where the provider's flags come from: a compiled flagd file (e.g. `.rollgate/flagd/production.flagd.json`), watched
 * unless `watch: false`, or a document in memory.
 */
export type RollgateProviderSource = { readonly file: string } | { readonly document: FlagdDocument };

/** Options of {@link RollgateProvider}. */
export interface RollgateProviderOptions {
  readonly source: RollgateProviderSource;
  /** Clock for `$flagd.timestamp` in targeting; tests pass a fixed one. Default: the system clock. */
  readonly now?: () => Date;
  /** File source only: reload when the file changes (default true). */
  readonly watch?: boolean;
  /** File source only: quiet period after the last file-system event before reloading, in ms (default 25). */
  readonly reloadDelayMs?: number;
}

/**
 * OpenFeature server provider (`runsOn: 'server'`, name `rollgate`) over compiled flagd documents.
 *
 * - `initialize()` loads the source. A file that is missing or not a flagd document rejects with FlagError STORE_IO /
 *   PARSE_ERROR (with a hint); the SDK then reports the provider as ERROR, and the watcher keeps looking, so a later
 *   good file makes it READY.
 * - On a file change the provider reloads and emits `ConfigurationChanged` with `flagsChanged` (the keys whose
 *   evaluation may differ). A file that fails to parse keeps the last good flags and emits `Error` with the reason;
 *   the next good file emits `Ready` and `ConfigurationChanged`.
 * - Evaluations never throw: unknown flags, type mismatches and targeting errors come back as `reason: 'ERROR'` with
 *   an OpenFeature `errorCode`, and the SDK returns the caller's default value.
 */
export class RollgateProvider implements Provider {
  readonly metadata = { name: 'rollgate' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  private readonly engine: FlagdEngine;
  private readonly options: RollgateProviderOptions;
  private lastText: string | undefined;
  private failing = false;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloads: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: RollgateProviderOptions) {
    this.options = options;
    this.engine = new FlagdEngine(options.now ? { now: options.now } : {});
  }

  async initialize(): Promise<void> {
    this.closed = false;
    const { source } = this.options;
    if ('document' in source) {
      this.engine.setFlags(source.document);
      return;
    }
    if ((this.options.watch ?? true) && !this.watcher) this.startWatching(source.file);
    await this.enqueueReload(source.file, true);
  }

  /**
   * Replaces the flags (both sources; a watched file overrides them on its next change) and emits
   * `ConfigurationChanged` with the changed keys when any changed. Throws FlagError PARSE_ERROR for an invalid
   * document, keeping the current flags.
   */
  setDocument(document: FlagdDocument): void {
    const changed = this.engine.setFlags(document);
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
  }

  async onClose(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.reloads;
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve('boolean', flagKey, defaultValue, context));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve('string', flagKey, defaultValue, context));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve('number', flagKey, defaultValue, context));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve('object', flagKey, defaultValue, context));
  }

  private resolve<T extends FlagValue>(
    type: FlagValueType,
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    const result = this.engine.evaluate(flagKey, type, defaultValue, context);
    const details: ResolutionDetails<T> = {
      value: result.value,
      reason: result.reason,
      flagMetadata: result.flagMetadata,
    };
    if (result.variant !== undefined) details.variant = result.variant;
    if (result.errorCode !== undefined) details.errorCode = ErrorCode[result.errorCode];
    if (result.errorMessage !== undefined) details.errorMessage = result.errorMessage;
    return details;
  }

  private startWatching(file: string): void {
    const name = basename(file);
    try {
      // The directory, not the file: stores replace the file by rename, which a file watch would lose track of.
      this.watcher = watch(dirname(file), (_event, changed) => {
        if (changed === null || changed === name) this.scheduleReload(file);
      });
    } catch (e) {
      throw new FlagError('STORE_IO', `Cannot watch ${dirname(file)}: ${errorMessage(e)}`, {
        file,
        hint: 'Create the directory (compile the flags once, e.g. with the rollgate CLI), or pass watch: false.',
      });
    }
    this.watcher.on('error', (e) => {
      this.events.emit(ProviderEvents.Error, { message: `Stopped watching ${file}: ${errorMessage(e)}` });
    });
  }

  private scheduleReload(file: string): void {
    if (this.closed) return;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.enqueueReload(file, false), this.options.reloadDelayMs ?? 25);
  }

  /** Reloads run one at a time, in order, so a slow read never overwrites a newer one. */
  private enqueueReload(file: string, initial: boolean): Promise<void> {
    const next = this.reloads.then(() => this.reload(file, initial));
    this.reloads = next.catch(() => undefined);
    return next;
  }

  private async reload(file: string, initial: boolean): Promise<void> {
    if (this.closed) return;
    let changed: string[] = [];
    try {
      const text = await readFile(file, 'utf8').catch((e: unknown) => {
        throw new FlagError('STORE_IO', `Cannot read ${file}: ${errorMessage(e)}`, {
          file,
          hint: 'Check the path; rollgate writes compiled flags to .rollgate/flagd/<environment>.flagd.json.',
        });
      });
      // Unchanged text still ends a failure: the file was broken and is now back to the last good version.
      if (text !== this.lastText) {
        changed = this.load(text, file);
        this.lastText = text;
      }
    } catch (e) {
      this.failing = true;
      if (initial) throw e;
      const hint = FlagError.is(e) ? (e.details.hint ?? '') : '';
      this.events.emit(ProviderEvents.Error, {
        message: `${errorMessage(e)} Keeping the last good flags. ${hint}`.trim(),
      });
      return;
    }
    if (initial) return;
    if (this.failing) {
      this.failing = false;
      this.events.emit(ProviderEvents.Ready, { message: `Reloaded ${file}` });
    }
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
  }

  /** Loads a file's text into the engine; a PARSE_ERROR names the file. */
  private load(text: string, file: string): string[] {
    try {
      return this.engine.setFlags(text);
    } catch (e) {
      if (!FlagError.is(e)) throw e;
      throw new FlagError(e.code, `${file}: ${e.message}`, { ...e.details, file }, { cause: e });
    }
  }
}

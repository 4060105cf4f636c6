/**
 * Change detection of the file store (`FileStore.onDidChange`): `fs.watch` on the store directory with a short
 * debounce (but a new flags.yaml, the moment a commit becomes visible, is read at once), plus a `stat` poll of flags.yaml as a fallback for file systems where fs.watch is unreliable. Fires a
 * snapshot when its version differs from the last one seen, or when the same version comes with a higher revision (see
 * {@link StoreWatcher.notify}); timers and the watcher never keep a process alive.
 */
import { watch } from 'node:fs';
import { basename } from 'node:path';
import type { FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { toDisposable } from '../lifecycle.ts';
import type { Disposable } from '../lifecycle.ts';
import type { StoreSnapshot } from './types.ts';

/** What a {@link StoreWatcher} watches and how it reads. */
export interface WatchTarget {
  /** The directory given to fs.watch (the store directory). */
  readonly directory: string;
  /** The file whose identity, size and mtime the poll compares (flags.yaml). */
  readonly file: string;
  readonly pollIntervalMs: number;
  readonly debounceMs: number;
  /** The current snapshot; a read that fails (a file that does not parse) fires nothing until it succeeds. */
  read(): Promise<StoreSnapshot>;
  /**
   * True while the owner commits: a flags.yaml it replaces is not read at once (that read would see the commit
   * before its audit entries and fire it twice); the owner notifies its own commit.
   */
  committing(): boolean;
}

/** Watches one store until disposed. */
export class StoreWatcher implements Disposable {
  /** Version of the last snapshot fired (or the baseline); undefined until known. */
  private lastVersion: string | undefined;
  /** Highest revision seen (fired, or the baseline's); -1 until known. */
  private lastRevision = -1;
  private lastStat: string | undefined;
  private checking = false;
  private recheck = false;
  private stopped = false;
  private readonly disposables: Disposable[] = [];
  private readonly target: WatchTarget;
  private readonly fire: (snapshot: StoreSnapshot) => void;

  /**
   * Starts watching. `baseline` is the version the owner last saw (no event for it); without one, the current
   * version is read and taken as the baseline. `fire` gets each snapshot with a new version.
   */
  constructor(target: WatchTarget, baseline: string | undefined, fire: (snapshot: StoreSnapshot) => void) {
    this.target = target;
    this.fire = fire;
    this.lastVersion = baseline;
    const check = (): void => void this.check();
    let debounce: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    const published = basename(target.file);
    try {
      watcher = watch(target.directory, { persistent: false }, (_event, filename) => {
        // A commit publishes flags.yaml by a rename: read it now (no debounce on the path every client waits for);
        // the debounced check below still picks up what follows it (the audit entries: a higher revision).
        if (filename === published && !target.committing()) check();
        clearTimeout(debounce);
        debounce = setTimeout(check, target.debounceMs);
        debounce.unref();
      });
      // fs.watch can fail later (watched directory removed, inotify limits): the poll still covers it.
      watcher.on('error', () => watcher?.close());
    } catch {
      // fs.watch is not available here (some network and container file systems): rely on the poll.
    }
    const poll = setInterval(() => void this.poll(), target.pollIntervalMs);
    poll.unref();
    this.disposables.push(
      toDisposable(() => clearInterval(poll)),
      toDisposable(() => clearTimeout(debounce)),
      toDisposable(() => watcher?.close()),
    );
    if (this.lastVersion === undefined) check();
  }

  /**
   * Fires `snapshot` for a new version (not e.g. a commit of the owner itself, already seen), and again for the same
   * version with a higher revision: a snapshot read while a commit was being published pairs the new flags.yaml with
   * the previous revision (its audit entries not yet appended), and watchers of the audit log (alerts) must hear of
   * the entries once they are there.
   */
  notify(snapshot: StoreSnapshot): void {
    if (this.stopped) return;
    const sameVersion = this.lastVersion === snapshot.version;
    // The baseline's revision was not known yet: this is the baseline, not news.
    const news = !sameVersion || (this.lastRevision >= 0 && snapshot.revision > this.lastRevision);
    this.lastVersion = snapshot.version;
    this.lastRevision = Math.max(this.lastRevision, snapshot.revision);
    if (news) this.fire(snapshot);
  }

  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const d of this.disposables.reverse()) d.dispose();
  }

  /** Cheap fallback for fs.watch: re-read only when the file's identity, size or mtime moved. */
  private async poll(): Promise<void> {
    const s = await stat(this.target.file).catch(() => undefined);
    const key = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
    if (key === this.lastStat) return;
    this.lastStat = key;
    await this.check();
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        const snapshot = await this.target.read().catch(() => undefined);
        if (this.stopped || !snapshot) continue;
        if (this.lastVersion === undefined) {
          this.lastVersion = snapshot.version;
          this.lastRevision = snapshot.revision;
        } else this.notify(snapshot);
      } while (this.recheck && !this.stopped);
    } finally {
      this.checking = false;
    }
  }
}

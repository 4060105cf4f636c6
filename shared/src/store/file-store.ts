/**
 * The embedded store: `.rollgate/` in a repository. Layout (see docs/store.md):
 *
 *   .rollgate/flags.yaml              the source of truth (a StoreDocument), canonical YAML
 *   .rollgate/audit.jsonl             append-only audit log; the store's revision is derived from it
 *   .rollgate/flagd/<env>.flagd.json  compiled flagd documents, one per environment (generated)
 *   .rollgate/.gitattributes          audit.jsonl merge=union; flagd outputs marked generated
 *   .rollgate/.gitignore              the lock and temp files
 *   .rollgate/.lock                   inter-process commit lock (a directory, see proper-lockfile)
 */
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import { auditEntrySchema, createEmptyDocument, storeDocumentSchema } from '../flags/model.ts';
import type { AuditEntry, StoreDocument } from '../flags/model.ts';
import { compileStore, serializeFlagdDocument } from '../flagd/compile.ts';
import { FlagError } from '../errors.ts';
import { Emitter, toDisposable } from '../lifecycle.ts';
import type { Disposable, Event } from '../lifecycle.ts';
import type { FlagdDocument } from '../flagd/types.ts';
import { appendAuditEntries, readAuditLog, readAuditTail } from './audit-log.ts';
import { ioError, pathInside, realPathInside, writeFileAtomic } from './fs-util.ts';
import { parseStoreText, renderStoreDocument } from './store-yaml.ts';
import type { Document } from 'yaml';
import { formatPath } from '../flags/diff.ts';
import type { AuditQuery, CommitRequest, FlagStore, StoreSnapshot } from './types.ts';

/** Name of the store directory at the root of a repository. */
export const STORE_DIR_NAME = '.rollgate';

const FLAGS_FILE = 'flags.yaml';
const AUDIT_FILE = 'audit.jsonl';
const FLAGD_DIR = 'flagd';
const FLAGD_SUFFIX = '.flagd.json';
const LOCK_NAME = '.lock';

const GITATTRIBUTES = `# Written by Rollgate.
# Both sides of a merge keep their audit entries.
audit.jsonl merge=union
# Compiled from flags.yaml on every change; regenerate instead of merging by hand.
flagd/*.flagd.json linguist-generated=true
`;
const GITIGNORE = `# Written by Rollgate: the commit lock and interrupted atomic writes.
.lock
*.tmp
# Runtime evaluation metrics of the built-in OpenFeature hook (read by the rollout controller).
metrics/
# Delivery log of alerts (docs/alerts.md).
alerts/
# Evaluation counts posted to rollgate server (docs/telemetry.md).
usage/
# Hashed API tokens of rollgate server (docs/teams.md): never commit them.
secrets/
# Hashes of the server's SDK keys and their lock (docs/server.md): never committed.
sdk-keys.json*
`;

/** A lock older than this (not refreshed by a live holder) is taken over, in ms (proper-lockfile `stale`). */
const LOCK_STALE_MS = 10_000;
/** Waiting for the lock: short randomized polls (1–15 ms) so a waiter gets in soon after a release; ~15 s in all. */
const LOCK_RETRIES = { retries: 1000, factor: 1.1, minTimeout: 1, maxTimeout: 15, randomize: true };

/** Tuning of {@link FileStore.onDidChange}. */
export interface FileStoreOptions {
  /** How often the flags file is stat-ed as a fallback for fs.watch, in ms (default 500). */
  readonly pollIntervalMs?: number;
  /** Quiet time after an fs.watch event before the store is re-read, in ms (default 50). */
  readonly debounceMs?: number;
}

/**
 * {@link FlagStore} over `.rollgate/` (layout in the module comment and docs/store.md).
 * - `version` is a SHA-256 of the exact bytes of flags.yaml, so a hand edit is a change like any other.
 * - `revision` is the highest revision near the end of audit.jsonl (0 for a new store); every commit appends its
 *   entries stamped with revision + 1. It is informational: a snapshot read while another process commits may pair
 *   the new file with the previous revision for an instant; `version` is the concurrency token.
 * - commit holds `.rollgate/.lock` (proper-lockfile), re-reads flags.yaml under it, and writes flags.yaml and the
 *   flagd outputs atomically (temp + fsync + rename) and the audit entries with one fsync-ed append.
 * - snapshot documents are deeply frozen: operations copy, never mutate.
 * Create one with {@link openFileStore} or {@link initStore}.
 */
export class FileStore implements FlagStore {
  readonly location: string;
  private readonly flagsFile: string;
  private readonly auditFile: string;
  private readonly flagdDir: string;
  private readonly options: Required<FileStoreOptions>;
  /**
   * The last parsed (or written) flags.yaml, by version: parsing is the expensive part of a read. `yaml` is its
   * YAML document, whose comments the next write carries over.
   */
  private parsed: { readonly version: string; readonly document: StoreDocument; readonly yaml: Document } | undefined;
  private readonly _onDidChange = new Emitter<StoreSnapshot>();
  private watching: Watching | undefined;
  private listeners = 0;
  private disposed = false;

  /** Use {@link openFileStore}; `storeDir` must be the real (symlink-free) path of an existing `.rollgate`. */
  constructor(storeDir: string, options: FileStoreOptions = {}) {
    this.location = storeDir;
    this.flagsFile = join(storeDir, FLAGS_FILE);
    this.auditFile = join(storeDir, AUDIT_FILE);
    this.flagdDir = join(storeDir, FLAGD_DIR);
    this.options = { pollIntervalMs: options.pollIntervalMs ?? 500, debounceMs: options.debounceMs ?? 50 };
  }

  /**
   * Reads the current snapshot. Errors: STORE_IO (e.g. flags.yaml missing), PARSE_ERROR (details: file, line,
   * column, path, hint) when flags.yaml is not valid YAML or not a valid store document.
   */
  async read(): Promise<StoreSnapshot> {
    const bytes = await this.readSource();
    const version = versionOf(bytes);
    const { document } = this.parse(bytes, version);
    const { revision } = await readAuditTail(this.auditFile);
    return { document, revision, version };
  }

  /**
   * Replaces the document when `request.base` is still current, appends the audit entries stamped with the new
   * revision and rewrites the flagd outputs of every environment (removing those of deleted environments).
   * Nothing is written unless everything validates. Errors: INVALID_INPUT (invalid document or audit entry, no
   * audit entry; details.path + hint), INVALID_RULE (a rule flagd cannot compile), STORE_CONFLICT (flags.yaml
   * changed since `base` was read, by anyone), PARSE_ERROR (flags.yaml does not parse: it is never overwritten then),
   * STORE_IO.
   */
  async commit(request: CommitRequest): Promise<StoreSnapshot> {
    const prepared = prepareCommit(request);
    return this.write((current) => {
      if (current.version !== request.base.version) {
        throw new FlagError('STORE_CONFLICT', `${this.flagsFile} changed since it was read.`, {
          file: this.flagsFile,
          hint: 'Read the store again and re-apply the change (applyOperation does this for you).',
        });
      }
      return prepared;
    });
  }

  /**
   * Reads the current snapshot and commits what `change` makes of it, all under `.rollgate/.lock`, so it cannot
   * conflict (see {@link FlagStore.update}). Errors: whatever `change` throws, and those of {@link commit} except
   * STORE_CONFLICT.
   */
  update(change: (current: StoreSnapshot) => Omit<CommitRequest, 'base'>): Promise<StoreSnapshot> {
    return this.write((current) => prepareCommit(change(current)));
  }

  /** The write path of commit and update: under the lock, re-read, let `prepare` decide, write everything. */
  private async write(prepare: (current: StoreSnapshot) => PreparedCommit): Promise<StoreSnapshot> {
    const snapshot = await withStoreLock(this.location, async () => {
      // Reading parses: a file that does not parse is never replaced (PARSE_ERROR), whatever the caller's base.
      const tail = await readAuditTail(this.auditFile);
      const bytes = await this.readSource();
      const version = versionOf(bytes);
      const parsed = this.parse(bytes, version);
      const { document, audit, flagd } = prepare({ document: parsed.document, revision: tail.revision, version });
      const { text, yaml } = renderStoreDocument(document, parsed.yaml);
      const revision = tail.revision + 1;
      await writeFileAtomic(this.flagsFile, text);
      await appendAuditEntries(
        this.auditFile,
        audit.map((entry) => ({ ...entry, revision })),
        tail.endsWithNewline,
      );
      await syncFlagdOutputs(this.flagdDir, flagd, { write: true });
      const snapshot = { document: deepFreeze(document), revision, version: versionOf(Buffer.from(text, 'utf8')) };
      this.parsed = { version: snapshot.version, document: snapshot.document, yaml };
      return snapshot;
    });
    this.notify(snapshot);
    return snapshot;
  }

  /** Reads audit entries matching `query`, newest last. Errors: INVALID_INPUT (bad query), PARSE_ERROR, STORE_IO. */
  readAudit(query?: AuditQuery): Promise<AuditEntry[]> {
    return readAuditLog(this.auditFile, query);
  }

  /**
   * Compares the flagd outputs (`flagd/<env>.flagd.json`) with what flags.yaml compiles to; writes nothing.
   * Errors: PARSE_ERROR (flags.yaml), INVALID_RULE (a rule that does not compile), STORE_IO.
   */
  async checkCompiledOutputs(): Promise<CompiledOutputState[]> {
    const { document } = await this.read();
    return syncFlagdOutputs(this.flagdDir, compileStore(document), { write: false });
  }

  /**
   * Rewrites the flagd outputs from flags.yaml (repairs hand edits and merges of the generated files) under the
   * store lock, so a concurrent commit cannot interleave. Returns the states found before writing.
   * Errors: PARSE_ERROR, INVALID_RULE, STORE_IO.
   */
  writeCompiledOutputs(): Promise<CompiledOutputState[]> {
    return withStoreLock(this.location, async () => {
      const bytes = await this.readSource();
      const { document } = this.parse(bytes, versionOf(bytes));
      return syncFlagdOutputs(this.flagdDir, compileStore(document), { write: true });
    });
  }

  /**
   * Fires with the new snapshot when flags.yaml changes — a commit of this or another process, a hand edit, a git
   * checkout — within about a second (fs.watch with a short debounce, plus a stat poll as a fallback for file
   * systems where fs.watch is unreliable). Fires only when the version differs from the last one seen; a file that
   * does not parse fires nothing until it is fixed. Watching starts with the first listener and stops with the last
   * (or on dispose); it does not keep the process alive. The baseline is the version this instance last read or
   * committed: subscribe after a read so a change made in between is not missed.
   */
  readonly onDidChange: Event<StoreSnapshot> = (listener) => {
    if (this.disposed) return toDisposable(() => {});
    const subscription = this._onDidChange.event(listener);
    this.listeners++;
    this.watching ??= this.startWatching();
    return toDisposable(() => {
      subscription.dispose();
      this.listeners--;
      if (this.listeners === 0) this.stopWatching();
    });
  };

  /** Stops watching and drops all listeners. The store can still be read and committed to. */
  dispose(): void {
    this.disposed = true;
    this.stopWatching();
    this._onDidChange.dispose();
  }

  private async readSource(): Promise<Buffer> {
    try {
      return await readFile(this.flagsFile);
    } catch (e) {
      throw ioError(e, 'read', this.flagsFile);
    }
  }

  private parse(bytes: Buffer, version: string): NonNullable<FileStore['parsed']> {
    if (this.parsed?.version === version) return this.parsed;
    const { document, yaml } = parseStoreText(bytes.toString('utf8'), this.flagsFile);
    this.parsed = { version, document: deepFreeze(document), yaml };
    return this.parsed;
  }

  private notify(snapshot: StoreSnapshot): void {
    const w = this.watching;
    if (!w || w.lastVersion === snapshot.version) return;
    w.lastVersion = snapshot.version;
    this._onDidChange.fire(snapshot);
  }

  private startWatching(): Watching {
    const w: Watching = {
      lastVersion: this.parsed?.version,
      lastStat: undefined,
      checking: false,
      recheck: false,
      disposables: [],
    };
    const check = (): void => void this.check(w);
    let debounce: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(this.location, { persistent: false }, () => {
        clearTimeout(debounce);
        debounce = setTimeout(check, this.options.debounceMs);
        debounce.unref();
      });
      // fs.watch can fail later (watched directory removed, inotify limits): the poll still covers it.
      watcher.on('error', () => watcher?.close());
    } catch {
      // fs.watch is not available here (some network and container file systems): rely on the poll.
    }
    const poll = setInterval(() => void this.poll(w), this.options.pollIntervalMs);
    poll.unref();
    w.disposables.push(
      toDisposable(() => clearInterval(poll)),
      toDisposable(() => clearTimeout(debounce)),
      toDisposable(() => watcher?.close()),
    );
    // Without a version to compare against yet, take the current one as the baseline (no event for it).
    if (w.lastVersion === undefined) check();
    return w;
  }

  private stopWatching(): void {
    const w = this.watching;
    if (!w) return;
    this.watching = undefined;
    w.stopped = true;
    for (const d of w.disposables.reverse()) d.dispose();
  }

  /** Cheap fallback for fs.watch: re-read only when flags.yaml's identity, size or mtime moved. */
  private async poll(w: Watching): Promise<void> {
    const s = await stat(this.flagsFile).catch(() => undefined);
    const key = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
    if (key === w.lastStat) return;
    w.lastStat = key;
    await this.check(w);
  }

  private async check(w: Watching): Promise<void> {
    if (w.checking) {
      w.recheck = true;
      return;
    }
    w.checking = true;
    try {
      do {
        w.recheck = false;
        const snapshot = await this.read().catch(() => undefined);
        if (w.stopped || !snapshot) continue;
        if (w.lastVersion === undefined) w.lastVersion = snapshot.version;
        else this.notify(snapshot);
      } while (w.recheck && !w.stopped);
    } finally {
      w.checking = false;
    }
  }
}

interface Watching {
  /** Version of the last snapshot fired (or the baseline); undefined until known. */
  lastVersion: string | undefined;
  lastStat: string | undefined;
  checking: boolean;
  recheck: boolean;
  stopped?: boolean;
  readonly disposables: Disposable[];
}

/**
 * Opens the store in `root/.rollgate`. Nothing is read yet (the first {@link FileStore.read} parses).
 * Errors: STORE_IO when `root` or `.rollgate` does not exist (hint: `rollgate init`), or `.rollgate` / flags.yaml
 * is a symlink leading outside `root`.
 */
export async function openFileStore(root: string, options?: FileStoreOptions): Promise<FileStore> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (e) {
    throw ioError(e, 'open the repository at', root);
  }
  const storeDir = await realPathInside(realRoot, join(realRoot, STORE_DIR_NAME)).catch((e: unknown) => {
    if (FlagError.is(e, 'STORE_IO') && e.details.errno === 'ENOENT') {
      throw new FlagError('STORE_IO', `No Rollgate store in ${realRoot} (${STORE_DIR_NAME}/ is missing).`, {
        file: join(realRoot, STORE_DIR_NAME),
        hint: 'Run `rollgate init` in the repository root to create one.',
      });
    }
    throw e;
  });
  // Security: every entry the store reads or writes through must stay inside .rollgate (no symlink escapes).
  for (const name of [FLAGS_FILE, AUDIT_FILE, FLAGD_DIR]) {
    const entry = join(storeDir, name);
    if (await exists(entry)) await realPathInside(storeDir, entry);
  }
  return new FileStore(storeDir, options);
}

/**
 * Creates `root/.rollgate` with an empty document (the default environments, no flags), an empty audit log,
 * .gitattributes / .gitignore and the flagd outputs, and opens it. `root` must exist. Errors: INVALID_INPUT when a
 * store already exists there (it is left untouched), STORE_IO (e.g. `root` missing).
 */
export async function initStore(root: string, options?: FileStoreOptions): Promise<FileStore> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (e) {
    throw ioError(e, 'open the repository at', root);
  }
  const storeDir = join(realRoot, STORE_DIR_NAME);
  try {
    await mkdir(storeDir);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw ioError(e, 'create', storeDir);
  }
  const store = await openFileStore(realRoot, options);
  await withStoreLock(store.location, async () => {
    const flagsFile = join(store.location, FLAGS_FILE);
    if (await exists(flagsFile)) {
      throw new FlagError('INVALID_INPUT', `A Rollgate store already exists in ${store.location}.`, {
        file: flagsFile,
        hint: 'Use the existing store; to start over, delete .rollgate/ (its history stays in git).',
      });
    }
    const document = createEmptyDocument();
    await writeFileAtomic(join(store.location, '.gitattributes'), GITATTRIBUTES);
    await writeFileAtomic(join(store.location, '.gitignore'), GITIGNORE);
    await appendAuditEntries(join(store.location, AUDIT_FILE), [], true);
    await syncFlagdOutputs(join(store.location, FLAGD_DIR), compileStore(document), { write: true });
    await writeFileAtomic(flagsFile, renderStoreDocument(document).text);
  });
  return store;
}

/**
 * The nearest directory at or above `cwd` that holds a `.rollgate/` directory, or `undefined` when there is none
 * up to the file-system root. Never throws.
 */
export async function findStoreRoot(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const s = await stat(join(dir, STORE_DIR_NAME)).catch(() => undefined);
    if (s?.isDirectory()) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** A validated change, ready to write: everything that can fail before the first byte is written has run. */
interface PreparedCommit {
  readonly document: StoreDocument;
  readonly audit: Omit<AuditEntry, 'revision'>[];
  readonly flagd: ReadonlyMap<string, FlagdDocument>;
}

/** Validates the document and audit entries and compiles the flagd outputs. */
function prepareCommit(request: Omit<CommitRequest, 'base'>): PreparedCommit {
  const document = validateDocument(request.document);
  return { document, audit: validateAudit(request.audit), flagd: compileStore(document) };
}

function versionOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function validateDocument(document: StoreDocument): StoreDocument {
  const result = storeDocumentSchema.safeParse(document);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatPath(issue?.path ?? []);
  throw new FlagError('INVALID_INPUT', `Invalid store document at ${path}: ${issue?.message ?? 'invalid'}`, {
    path,
    hint: `Fix ${path} in the change; the store was not modified.`,
  });
}

function validateAudit(entries: CommitRequest['audit']): Omit<AuditEntry, 'revision'>[] {
  if (entries.length === 0) {
    throw new FlagError('INVALID_INPUT', 'A commit needs at least one audit entry.', {
      hint: 'Describe the change with an audit entry (actor, action, at); operations produce them for you.',
    });
  }
  return entries.map((entry, i) => {
    const result = auditEntrySchema.safeParse({ ...entry, revision: 0 });
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = formatPath(['audit', i, ...(issue?.path ?? [])]);
      throw new FlagError('INVALID_INPUT', `Invalid audit entry at ${path}: ${issue?.message ?? 'invalid'}`, {
        path,
        hint: `Fix ${path}; the store was not modified.`,
      });
    }
    const { revision: _revision, ...rest } = result.data;
    return rest;
  });
}

/**
 * Runs `fn` holding the lock of the store in `storeDir`: serialized within this process first (no polling), then
 * `.rollgate/.lock` across processes via proper-lockfile (an atomic `mkdir`, kept fresh while held, taken over when
 * its holder died and it went stale). Errors: STORE_IO when the lock cannot be had within ~15 s.
 */
function withStoreLock<T>(storeDir: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = join(storeDir, LOCK_NAME);
  return serialized(lockPath, async () => {
    let release: () => Promise<void>;
    try {
      release = await lock(storeDir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: LOCK_STALE_MS,
        retries: LOCK_RETRIES,
        // The holder refreshes the lock while it works; losing it (clock jump, a stuck disk) must not crash the
        // process from a timer. Commits take milliseconds, far below the stale limit.
        onCompromised: () => {},
      });
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ELOCKED') {
        throw new FlagError('STORE_IO', `Timed out waiting for the store lock ${lockPath}.`, {
          file: lockPath,
          hint: `Another process is committing; retry. If no rollgate process is running, remove ${lockPath}.`,
        });
      }
      throw ioError(e, 'lock', lockPath);
    }
    try {
      return await fn();
    } finally {
      await release().catch(() => {});
    }
  });
}

/** Path of the flagd output of `environment` in the store directory `storeDir` (`<storeDir>/flagd/<env>.flagd.json`). */
export function flagdOutputPath(storeDir: string, environment: string): string {
  return join(storeDir, FLAGD_DIR, `${environment}${FLAGD_SUFFIX}`);
}

/** One flagd output file compared with flags.yaml. */
export interface CompiledOutputState {
  readonly environment: string;
  /** Absolute path of `<env>.flagd.json`. */
  readonly path: string;
  /** `fresh`: matches flags.yaml; `stale`: differs or is missing; `extra`: of an environment no longer declared. */
  readonly state: 'fresh' | 'stale' | 'extra';
}

/**
 * Compares `<env>.flagd.json` files with `outputs` and, with `write`, brings them in line: stale files are written
 * atomically, files of undeclared environments removed. Returns the states found before writing.
 * The outputs are derived from flags.yaml, so they are written without fsync: after a crash the next commit rewrites
 * them, and the durable record (flags.yaml, audit.jsonl) is fsync-ed.
 */
async function syncFlagdOutputs(
  flagdDir: string,
  outputs: ReadonlyMap<string, FlagdDocument>,
  { write }: { write: boolean },
): Promise<CompiledOutputState[]> {
  if (write) {
    try {
      await mkdir(flagdDir, { recursive: true });
    } catch (e) {
      throw ioError(e, 'create', flagdDir);
    }
  }
  const states: CompiledOutputState[] = [];
  for (const [environment, flagdDocument] of outputs) {
    const path = pathInside(flagdDir, `${environment}${FLAGD_SUFFIX}`);
    const text = serializeFlagdDocument(flagdDocument);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    states.push({ environment, path, state: current === text ? 'fresh' : 'stale' });
    if (write && current !== text) await writeFileAtomic(path, text, { durable: false });
  }
  let existing: string[];
  try {
    existing = await readdir(flagdDir);
  } catch (e) {
    if (!write && (e as { code?: unknown }).code === 'ENOENT') return states;
    throw ioError(e, 'list', flagdDir);
  }
  for (const name of existing) {
    if (!name.endsWith(FLAGD_SUFFIX) || outputs.has(name.slice(0, -FLAGD_SUFFIX.length))) continue;
    const path = pathInside(flagdDir, name);
    states.push({ environment: name.slice(0, -FLAGD_SUFFIX.length), path, state: 'extra' });
    if (write) {
      await unlink(path).catch((e: unknown) => {
        throw ioError(e, 'remove', path);
      });
    }
  }
  return states;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (e: unknown) => {
      if ((e as { code?: unknown }).code === 'ENOENT') return false;
      throw ioError(e, 'check', file);
    },
  );
}

/** In-process queue per lock path, so commits of one process wait for each other without polling the lock. */
const queues = new Map<string, Promise<void>>();

async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done = (): void => {};
  const mine = new Promise<void>((r) => (done = r));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The embedded store: `.rollgate/` in a repository. Layout (see docs/store.md):
 *
 *   .rollgate/flags.yaml              the source of truth (a StoreDocument), canonical YAML
 *   .rollgate/audit.jsonl             append-only audit log; the store's revision is derived from it
 *   .rollgate/flagd/<env>.flagd.json  compiled flagd documents, one per environment (generated)
 *   .rollgate/.gitattributes          audit.jsonl merge=union; flagd outputs marked generated
 *   .rollgate/.gitignore              the lock, the journal and temp files
 *   .rollgate/.lock                   inter-process commit lock (lock.ts)
 *   .rollgate/.controller.lock        which process runs the rollout controller (file-leadership.ts)
 *   .rollgate/journal.json            a decided commit being published (journal.ts); present only mid-commit
 */
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createEmptyDocument } from '../flags/model.ts';
import type { AuditEntry, StoreDocument } from '../flags/model.ts';
import { compileStore } from '../flagd/compile.ts';
import { FlagError } from '../errors.ts';
import { WatchedEmitter } from '../lifecycle.ts';
import type { Event } from '../lifecycle.ts';
import type { FlagdDocument } from '../flagd/types.ts';
import { appendAuditEntries, readAuditLog, readAuditTail } from './audit-log.ts';
import { StoreWatcher } from './file-watch.ts';
import { FLAGD_DIR, syncFlagdOutputs } from './flagd-outputs.ts';
import type { CompiledOutputState } from './flagd-outputs.ts';
import { ioError, realPathInside, writeFileAtomic } from './fs-util.ts';
import {
  currentVersionSync,
  hasJournal,
  publish,
  recoverJournal,
  storeFiles,
  versionOf,
  writeJournal,
} from './journal.ts';
import type { JournalEntry, StoreFiles } from './journal.ts';
import { createFileLeadership } from './file-leadership.ts';
import { DEFAULT_LOCK_LEASE_MS, isLockAbandoned, withLock } from './lock.ts';
import type { LockOptions, StoreLock } from './lock.ts';
import { lockRecovery } from './recovery.ts';
import type { StoreRecovery } from './recovery.ts';
import { inStoredOrder, parseStoreText, renderStoreDocument } from './store-yaml.ts';
import { extensionFieldsOf } from './store-extensions.ts';
import type { ExtensionFields } from './store-extensions.ts';
import type { Document } from 'yaml';
import type { AuditQuery, CommitRequest, FlagStore, StoreLeadership, StoreSnapshot } from './types.ts';
import { validateAudit, validateDocument } from './validate.ts';
import { STORE_DIR_NAME } from './store-dir.ts';

const FLAGS_FILE = 'flags.yaml';
const AUDIT_FILE = 'audit.jsonl';
const LOCK_NAME = '.lock';
/** How often a commit that lost its lock (or whose base moved under it) before it was decided is run again. */
const MAX_FENCED_ATTEMPTS = 20;

const GITATTRIBUTES = `# Written by Rollgate.
# Both sides of a merge keep their audit entries.
audit.jsonl merge=union
# Compiled from flags.yaml on every change; regenerate instead of merging by hand.
flagd/*.flagd.json linguist-generated=true
`;
const GITIGNORE = `# Written by Rollgate: the commit and controller locks, the commit journal and interrupted atomic writes.
.lock
.*.lock
journal.json
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

/** Tuning of {@link FileStore.onDidChange} and of the commit lock. */
export interface FileStoreOptions {
  /** How often the flags file is stat-ed as a fallback for fs.watch, in ms (default 500). */
  readonly pollIntervalMs?: number;
  /** Quiet time after an fs.watch event before the store is re-read, in ms (default 50). */
  readonly debounceMs?: number;
  /**
   * A lock holder that has not refreshed the lock for this long is taken over, in ms (default 10 000). It applies
   * to holders on other hosts and to live but stopped or hung processes here; a holder here whose process is gone
   * is taken over at once.
   */
  readonly lockLeaseMs?: number;
  /** How long a commit waits for the lock before STORE_IO, in ms (default: the lease + 5 000). */
  readonly lockTimeoutMs?: number;
}

/**
 * {@link FlagStore} over `.rollgate/` (layout in the module comment and docs/store.md).
 * - `version` is a SHA-256 of the exact bytes of flags.yaml, so a hand edit is a change like any other.
 * - `revision` is the highest revision near the end of audit.jsonl (0 for a new store); every commit appends its
 *   entries stamped with revision + 1. It is informational: a snapshot read while another process commits may pair
 *   the new file with the previous revision for an instant; `version` is the concurrency token.
 * - commit holds `.rollgate/.lock` (lock.ts), re-reads flags.yaml under it, decides the commit by writing the
 *   journal (journal.ts), then publishes flags.yaml (temp + fsync + rename), the audit entries (one fsync-ed append)
 *   and the flagd outputs. Each of those writes is fenced: it happens only while this process still holds the lock,
 *   and the journal only while flags.yaml is still the base. A crash anywhere is repaired by the next lock holder
 *   (or the next {@link openFileStore}) from the journal.
 * - snapshot documents are deeply frozen: operations copy, never mutate.
 * Create one with {@link openFileStore} or {@link initStore}.
 */
export class FileStore implements FlagStore {
  readonly location: string;
  private readonly files: StoreFiles;
  private readonly options: Required<Pick<FileStoreOptions, 'pollIntervalMs' | 'debounceMs'>>;
  private readonly lockOptions: LockOptions;
  /** Repairs made since the last {@link takeRecoveries}. */
  private recoveries: StoreRecovery[] = [];
  /**
   * The last parsed (or written) flags.yaml, by version: parsing is the expensive part of a read. `yaml` is its
   * YAML document, whose comments the next write carries over.
   */
  private parsed: { readonly version: string; readonly document: StoreDocument; readonly yaml: Document } | undefined;
  private readonly changes = new WatchedEmitter<StoreSnapshot, StoreWatcher>(
    () =>
      new StoreWatcher(
        {
          directory: this.location,
          file: this.flagsFile,
          ...this.options,
          read: () => this.read(),
          committing: () => this.writing > 0,
        },
        this.parsed?.version,
        (snapshot) => this.changes.fire(snapshot),
      ),
  );
  /** Commits of this instance under way: their own notify reports them (see WatchTarget.committing). */
  private writing = 0;

  /** Use {@link openFileStore}; `storeDir` must be the real (symlink-free) path of an existing `.rollgate`. */
  constructor(storeDir: string, options: FileStoreOptions = {}) {
    this.location = storeDir;
    this.files = storeFiles(storeDir);
    this.options = { pollIntervalMs: options.pollIntervalMs ?? 500, debounceMs: options.debounceMs ?? 50 };
    this.lockOptions = lockOptionsOf(options);
  }

  private get flagsFile(): string {
    return this.files.flagsFile;
  }

  private get auditFile(): string {
    return this.files.auditFile;
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
   * conflict (see {@link FlagStore.update}). `options.extensions`: extension fields to write too, on the objects that
   * do not have them (`rollgate export`, store-extensions.ts). Errors: whatever `change` throws, and those of
   * {@link commit} except STORE_CONFLICT.
   */
  update(
    change: (current: StoreSnapshot) => Omit<CommitRequest, 'base'>,
    options: { readonly extensions?: ExtensionFields } = {},
  ): Promise<StoreSnapshot> {
    return this.write((current) => prepareCommit(change(current)), options.extensions);
  }

  /**
   * The extension fields (`x-…`) of flags.yaml, which the model leaves out (store-extensions.ts), or undefined when
   * it has none. Errors: as {@link read}.
   */
  async readExtensions(): Promise<ExtensionFields | undefined> {
    const bytes = await this.readSource();
    return extensionFieldsOf(this.parse(bytes, versionOf(bytes)).yaml.toJS({ maxAliasCount: 1000 }));
  }

  /**
   * The write path of commit and update: under the lock, re-read, let `prepare` decide, write everything. A writer
   * that loses the lock (paused past the lease) or whose base moves before the commit is decided has written
   * nothing: it runs again from a fresh read. One that loses it after the commit was decided leaves the publishing
   * to the next lock holder and waits for the lock to make sure it is done.
   */
  private async write(
    prepare: (current: StoreSnapshot) => PreparedCommit,
    extensions?: ExtensionFields,
  ): Promise<StoreSnapshot> {
    this.writing++;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const { snapshot, published } = await this.locked((lock) => this.commitLocked(lock, prepare, extensions));
          if (!published) await this.recover();
          this.notify(snapshot);
          return snapshot;
        } catch (e) {
          if (!isFenced(e) || attempt >= MAX_FENCED_ATTEMPTS) throw e;
        }
      }
    } finally {
      this.writing--;
    }
  }

  private async commitLocked(
    lock: StoreLock,
    prepare: (current: StoreSnapshot) => PreparedCommit,
    extensions: ExtensionFields | undefined,
  ): Promise<{ snapshot: StoreSnapshot; published: boolean }> {
    await this.recoverLocked(lock);
    // Reading parses: a file that does not parse is never replaced (PARSE_ERROR), whatever the caller's base.
    const tail = await readAuditTail(this.auditFile);
    const bytes = await this.readSource();
    const version = versionOf(bytes);
    const parsed = this.parse(bytes, version);
    const prepared = prepare({ document: parsed.document, revision: tail.revision, version });
    const { audit, flagd } = prepared;
    const document = inStoredOrder(prepared.document);
    const { text, yaml } = renderStoreDocument(document, parsed.yaml, extensions);
    const revision = tail.revision + 1;
    const entry: JournalEntry = {
      revision,
      baseVersion: version,
      version: versionOf(Buffer.from(text, 'utf8')),
      text,
      audit: audit.map((e) => ({ ...e, revision })),
    };
    await writeJournal(this.files, entry, () => {
      lock.assertHeldSync();
      if (currentVersionSync(this.flagsFile) !== version) {
        throw new FlagError('STORE_CONFLICT', `${this.flagsFile} changed while the commit was being written.`, {
          file: this.flagsFile,
          reason: 'base-moved',
          hint: 'Read the store again and re-apply the change (applyOperation does this for you).',
        });
      }
    });
    const snapshot = { document: deepFreeze(document), revision, version: entry.version };
    this.parsed = { version: snapshot.version, document: snapshot.document, yaml };
    try {
      await publish(this.files, entry, flagd, () => lock.assertHeldSync());
      return { snapshot, published: true };
    } catch (e) {
      // Decided but this process lost the lock: the journal is the next holder's to publish.
      if (isFenced(e)) return { snapshot, published: false };
      throw e;
    }
  }

  /**
   * Takes the lock (taking over one a crashed or hung writer left) and completes (or, when flags.yaml was changed
   * by hand since, drops) a commit that such a writer left in the journal; {@link openFileStore} calls it when
   * there is either, and every commit does the same under its lock. Returns what was repaired (empty when nothing
   * was); the same reports are kept for {@link takeRecoveries}. Errors: STORE_IO, PARSE_ERROR (an unreadable
   * journal text).
   */
  recover(): Promise<StoreRecovery[]> {
    return this.locked((lock) => this.recoverLocked(lock));
  }

  /**
   * The repairs this instance made after crashes (see {@link recover}) since the last call, each reported once:
   * for the CLI, the MCP server and the extension to tell the user. Empty when there were none.
   */
  takeRecoveries(): StoreRecovery[] {
    const recoveries = this.recoveries;
    this.recoveries = [];
    return recoveries;
  }

  private async recoverLocked(lock: StoreLock): Promise<StoreRecovery[]> {
    const found: StoreRecovery[] = [];
    if (lock.replaced) {
      found.push(lockRecovery(lock.replaced, join(this.location, LOCK_NAME), this.lockOptions.leaseMs));
    }
    const journal = await recoverJournal(this.files, () => lock.assertHeldSync());
    if (journal) {
      found.push(journal);
      this.parsed = undefined;
    }
    this.recoveries.push(...found);
    return found;
  }

  /** Leadership over `.rollgate/.<name>.lock` (file-leadership.ts), with the commit lock's lease. */
  createLeadership(name: string): StoreLeadership {
    return createFileLeadership(join(this.location, `.${name}.lock`), this.lockOptions);
  }

  private locked<T>(fn: (lock: StoreLock) => Promise<T>): Promise<T> {
    return withLock(join(this.location, LOCK_NAME), this.lockOptions, fn);
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
    return syncFlagdOutputs(this.files.flagdDir, compileStore(document), { write: false });
  }

  /**
   * Rewrites the flagd outputs from flags.yaml (repairs hand edits and merges of the generated files) under the
   * store lock, so a concurrent commit cannot interleave. Returns the states found before writing.
   * Errors: PARSE_ERROR, INVALID_RULE, STORE_IO.
   */
  writeCompiledOutputs(): Promise<CompiledOutputState[]> {
    return this.locked(async (lock) => {
      await this.recoverLocked(lock);
      const bytes = await this.readSource();
      const { document } = this.parse(bytes, versionOf(bytes));
      return syncFlagdOutputs(this.files.flagdDir, compileStore(document), {
        write: true,
        fence: () => lock.assertHeldSync(),
      });
    });
  }

  /**
   * Fires with the new snapshot when flags.yaml changes — a commit of this or another process, a hand edit, a git
   * checkout — within about a second (fs.watch with a short debounce, a commit's new flags.yaml read at once, plus
   * a stat poll as a fallback for file systems where fs.watch is unreliable). Fires only when the version differs from the last one seen; a file that
   * does not parse fires nothing until it is fixed. Watching starts with the first listener and stops with the last
   * (or on dispose); it does not keep the process alive. The baseline is the version this instance last read or
   * committed: subscribe after a read so a change made in between is not missed.
   */
  readonly onDidChange: Event<StoreSnapshot> = this.changes.event;

  /** Stops watching and drops all listeners. The store can still be read and committed to. */
  dispose(): void {
    this.changes.dispose();
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

  /** Tells the watchers of a snapshot this instance read or committed (see StoreWatcher.notify). */
  private notify(snapshot: StoreSnapshot): void {
    this.changes.watching?.notify(snapshot);
  }
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
  const store = new FileStore(storeDir, options);
  // A journal means a writer crashed mid-commit: finish (or drop) its commit before anyone reads.
  if (hasJournal(storeFiles(storeDir))) {
    await store.recover();
  } else if (await isLockAbandoned(join(storeDir, LOCK_NAME), lockOptionsOf(options).leaseMs)) {
    // A lock left by a dead writer is taken over now, so the repair is reported at open rather than by a later
    // write; best effort, as nothing depends on it: a reader without write access still opens the store.
    await store.recover().catch((e: unknown) => {
      if (!FlagError.is(e, 'STORE_IO')) throw e;
    });
  }
  return store;
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
  await withLock(join(store.location, LOCK_NAME), lockOptionsOf(options), async () => {
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

function lockOptionsOf(options: FileStoreOptions = {}): LockOptions {
  const leaseMs = options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS;
  return { leaseMs, timeoutMs: options.lockTimeoutMs ?? leaseMs + 5_000 };
}

/** A STORE_CONFLICT of a fence (lock lost, base moved under the commit): nothing was decided, run it again. */
function isFenced(e: unknown): boolean {
  return FlagError.is(e, 'STORE_CONFLICT') && (e.details.reason === 'lock-lost' || e.details.reason === 'base-moved');
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

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

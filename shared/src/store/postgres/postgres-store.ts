/**
 * {@link FlagStore} on PostgreSQL (node-postgres), for team mode: many writers and many server replicas on one
 * database. Schema in `migrations/` (one row per flag, segment, environment and change request; the audit log; a meta
 * row with the revision counters and the document's settings), applied on open by `migrate.ts`. See docs/postgres.md.
 */
import pg from 'pg';
import type { ClientBase, PoolClient } from 'pg';
import * as z from 'zod';
import { FlagError } from '../../errors.ts';
import { compileEnvironment, compileStore } from '../../flagd/compile.ts';
import {
  changeRequestSchema,
  checkDocument,
  createEmptyDocument,
  environmentSchema,
  flagSchema,
  segmentSchema,
  storeDocumentSchema,
} from '../../flags/model.ts';
import type { AuditEntry, ChangeRequest, Environment, Flag, Segment, StoreDocument } from '../../flags/model.ts';
import { checkSegments, segmentReferences } from '../../flags/segment-check.ts';
import { WatchedEmitter } from '../../lifecycle.ts';
import type { Event } from '../../lifecycle.ts';
import type {
  AuditEntryInput,
  AuditQuery,
  CommitRequest,
  FlagStore,
  StoreLeadership,
  StoreSnapshot,
} from '../types.ts';
import { invalidDocumentError, parseAuditQuery, validateAudit, validateDocument } from '../validate.ts';
import { describeDatabaseUrl, withPooledClient } from './connection.ts';
import { createPostgresLeadership } from './leadership.ts';
import { listen } from './listener.ts';
import { PostgresSdkKeyStore } from './sdk-key-store.ts';
import { PostgresTokenStore } from './token-store.ts';
import { PostgresUsageStore } from './usage-store.ts';
import type { SdkKeyStoreOptions } from '../sdk-keys.ts';
import type { StoreServices } from '../services.ts';
import type { ExtensionFields } from '../store-extensions.ts';
import { loadMigrations, runMigrations } from './migrate.ts';

const segmentListSchema = z.array(segmentSchema).optional();

/** The fields of a store document that have rows of their own; every other field is one of its settings. */
type RowField = 'version' | 'environments' | 'flags' | 'changeRequests' | 'segments';
const ROW_FIELDS: ReadonlySet<string> = new Set<RowField>([
  'version',
  'environments',
  'flags',
  'changeRequests',
  'segments',
]);

/**
 * The document's settings: every field of the model without a table of its own (`groups`, and any field the model
 * gains at that level), kept whole in `rollgate_meta.settings` (migration 0005). Read off the model's schema, so a
 * new document-level field is stored without a change here.
 */
type DocumentSettings = Omit<StoreDocument, RowField>;
const settingsSchema = z
  .object(Object.fromEntries(Object.entries(storeDocumentSchema.shape).filter(([key]) => !ROW_FIELDS.has(key))))
  .strict() as unknown as z.ZodType<DocumentSettings>;

/** The channel every commit NOTIFYs, with the new revision as payload. */
export const NOTIFY_CHANNEL = 'rollgate_store';

export interface PostgresStoreOptions {
  /** Connections of this store's pool (default 4); the change listener uses one more. */
  readonly maxConnections?: number;
  /** Directory of the migration files (default: the ones shipped with Rollgate). */
  readonly migrationsDir?: string;
}

/** The meta row: the store revision and the revisions of the last change of each part. */
interface Meta {
  readonly revision: number;
  readonly environmentsRevision: number;
  readonly changeRequestsRevision: number;
  readonly deletedRevision: number;
  readonly changeRequestsPresent: boolean;
  /** Revision of the last change to any segment (migration 0004). */
  readonly segmentsRevision: number;
  /** Revision of the last change to the document's settings (migration 0005). */
  readonly settingsRevision: number;
}

/**
 * What this instance knows of the database, as of `revision`: the rows (deeply frozen) and the snapshot, whose flags
 * are in key order (code units).
 */
interface State {
  readonly revision: number;
  readonly environments: readonly Environment[];
  readonly changeRequests: readonly ChangeRequest[] | undefined;
  /** In document order (the rows' `position`); empty = the document has no `segments`. */
  readonly segments: readonly Segment[];
  readonly settings: DocumentSettings;
  readonly snapshot: StoreSnapshot;
}

/** What a commit changes relative to its base, validated. */
interface Delta {
  /** New or changed flags (validated, defaults filled, frozen). */
  readonly upserts: readonly Flag[];
  readonly deletes: readonly string[];
  /** Keys of `upserts` that were not in the base. */
  readonly created: ReadonlySet<string>;
  /** The whole new environment list, when it changed. */
  readonly environments: readonly Environment[] | undefined;
  /** The whole new change-request list (`undefined` inside = field absent), when it changed. */
  readonly changeRequests: { readonly list: readonly ChangeRequest[] | undefined } | undefined;
  /** What changed in the segments, when they changed. */
  readonly segments: SegmentDelta | undefined;
  /** The whole new settings, when they changed. */
  readonly settings: DocumentSettings | undefined;
}

/** What a commit changes in the segments relative to its base (validated, frozen). */
interface SegmentDelta {
  /** New or changed segments. */
  readonly upserts: readonly Segment[];
  readonly deletes: readonly string[];
  /** Keys of `upserts` that were not in the base. */
  readonly created: ReadonlySet<string>;
  /**
   * The whole new list, when it puts the base's segments in another order or a new one before them: every row is
   * rewritten then (otherwise a new segment goes after the last and the others keep their place).
   */
  readonly reordered: readonly Segment[] | undefined;
}

/**
 * {@link FlagStore} over PostgreSQL.
 * - `revision` counts commits (one meta row, locked by each commit, so revisions are consecutive); `version` is the
 *   revision as a string. Every row carries the revision that last wrote it.
 * - A commit writes only what changed from its base: flags are compared by reference first (operations keep the
 *   objects they did not change), then by content, so a change costs the same with 10 or 10,000 flags. The change and
 *   its audit entries go in one transaction.
 * - Optimistic concurrency per row: a commit whose base is stale is refused (STORE_CONFLICT) when a flag or segment
 *   it changes was changed since its base, the environment list or the document's settings (groups) changed, (when
 *   it changes them) the change requests
 *   changed, or the result would refer to a segment that no longer exists (a rule naming a segment deleted since, a
 *   deleted segment that a flag changed since uses); otherwise it applies on top of the newer state. {@link update} holds the meta row lock, so it never conflicts.
 * - The instance keeps a snapshot in memory, brought up to date with the rows written since (one query when nothing
 *   changed), and LISTENs for the NOTIFY of every commit while {@link onDidChange} has listeners.
 * - Connection loss: operations fail with STORE_IO saying so; the pool and the listener reconnect by themselves and
 *   the listener reloads what it missed.
 * Open one with {@link openPostgresStore}.
 */
export class PostgresStore implements FlagStore {
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly connectionString: string;
  private state: State | undefined;
  /** The flags of snapshots by key, built when first needed (a refresh, a new flag, a slow-path diff). */
  private readonly flagIndex = new WeakMap<StoreDocument, ReadonlyMap<string, Flag>>();
  private readonly changes = new WatchedEmitter<StoreSnapshot, Watching>(() => this.startWatching());
  private disposed = false;

  /** Use {@link openPostgresStore}. */
  constructor(pool: pg.Pool, connectionString: string, location: string) {
    this.pool = pool;
    this.connectionString = connectionString;
    this.location = location;
  }

  /** Leadership by a session advisory lock on a connection of its own (leadership.ts). */
  createLeadership(name: string): StoreLeadership {
    return createPostgresLeadership(this.connectionString, name);
  }

  /** Reads the current snapshot (one query when this instance is up to date). Errors: STORE_IO, PARSE_ERROR. */
  async read(): Promise<StoreSnapshot> {
    return this.withClient('read', async (client) => {
      const { rows } = await client.query<{ revision: string }>('SELECT revision FROM rollgate_meta');
      if (this.state !== undefined && Number(rows[0]?.revision) === this.state.revision) return this.state.snapshot;
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const state = await this.refresh(client, await readMeta(client, false));
      await client.query('COMMIT');
      return state.snapshot;
    });
  }

  /**
   * Commits `request.document` (see the class comment for what a stale base may still commit). Errors:
   * INVALID_INPUT (invalid document or audit entry, no audit entry; details.path + hint), INVALID_RULE (a changed flag
   * flagd cannot compile), STORE_CONFLICT, STORE_IO.
   */
  commit(request: CommitRequest): Promise<StoreSnapshot> {
    return this.write((current) => {
      if (request.base.revision > current.revision) {
        throw conflict(this.location, 'The base snapshot is newer than the database (was the database reset?).');
      }
      return request;
    });
  }

  /**
   * Reads the current state and commits what `change` makes of it in one transaction holding the store's commit lock
   * (the meta row), so it cannot conflict. Errors: whatever `change` throws, those of {@link commit} except
   * STORE_CONFLICT.
   */
  update(change: (current: StoreSnapshot) => Omit<CommitRequest, 'base'>): Promise<StoreSnapshot> {
    return this.write((current) => ({ base: current.snapshot, ...change(current.snapshot) }));
  }

  /** Reads audit entries matching `query`, newest last. Errors: INVALID_INPUT (bad query), STORE_IO. */
  async readAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { since } = parseAuditQuery(query);
    return this.withClient('read the audit log of', async (client) => {
      const { rows } = await client.query<{ entry: AuditEntry }>(
        `SELECT entry FROM audit_entries
          WHERE ($1::text IS NULL OR flag_key = $1) AND ($2::text IS NULL OR environment = $2)
            AND ($3::timestamptz IS NULL OR at >= $3)
          ORDER BY id DESC LIMIT $4`,
        [
          query.flagKey ?? null,
          query.environment ?? null,
          since === undefined ? null : new Date(since).toISOString(),
          query.limit ?? null,
        ],
      );
      return rows.map((r) => r.entry).reverse();
    });
  }

  /**
   * Fills an empty database with `document` and an existing audit history (e.g. a file store's), then records
   * `entry` (e.g. `store.import`) at the revision after the history's last; keeps the extension fields of the
   * imported file, if any, for {@link readExtensions}. Errors: INVALID_INPUT when the database already holds commits
   * (nothing is written) or the document / an entry is invalid; STORE_IO.
   */
  async importStore(
    document: StoreDocument,
    history: readonly AuditEntry[],
    entry: AuditEntryInput,
    extensions?: ExtensionFields,
  ): Promise<StoreSnapshot> {
    checkStorableFields(document);
    const valid = validateDocument(document);
    compileStore(valid);
    const [stamped] = validateAudit([entry]);
    const revision = Math.max(0, ...history.map((e) => e.revision)) + 1;
    return this.withClient('import into', async (client) => {
      await client.query('BEGIN');
      const meta = await readMeta(client, true);
      if (meta.revision > 0) {
        throw new FlagError(
          'INVALID_INPUT',
          `The database at ${this.location} already holds a Rollgate store (revision ${meta.revision}).`,
          {
            hint: 'Import into an empty database (createdb <name>), or `rollgate export` this one to see what it holds.',
          },
        );
      }
      await writeFlags(client, valid.flags, [], revision);
      await writeSegments(client, segmentChanges([], valid.segments ?? []), revision);
      await writeEnvironments(client, valid.environments, revision);
      await writeChangeRequests(client, valid.changeRequests ?? [], revision);
      await writeSettings(client, settingsOf(valid));
      await client.query('UPDATE rollgate_meta SET extensions = $1::jsonb', [
        extensions === undefined ? null : JSON.stringify(extensions),
      ]);
      await insertAudit(client, [...history, { ...stamped, revision } as AuditEntry]);
      await writeMeta(client, {
        revision,
        environmentsRevision: revision,
        changeRequestsRevision: revision,
        deletedRevision: revision,
        changeRequestsPresent: valid.changeRequests !== undefined,
        segmentsRevision: revision,
        settingsRevision: revision,
      });
      await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(revision)]);
      await client.query('COMMIT');
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const state = await this.refresh(client, await readMeta(client, false));
      await client.query('COMMIT');
      this.notify(state.snapshot);
      return state.snapshot;
    });
  }

  /**
   * The extension fields (`x-…`) of the file store this database was imported from (migration 0005), or undefined.
   * Commits do not change them: `rollgate export` writes them onto the objects still there. Errors: STORE_IO.
   */
  async readExtensions(): Promise<ExtensionFields | undefined> {
    return this.withClient('read the extension fields of', async (client) => {
      const { rows } = await client.query<{ extensions: ExtensionFields | null }>(
        'SELECT extensions FROM rollgate_meta',
      );
      return rows[0]?.extensions ?? undefined;
    });
  }

  /**
   * Fires with the new snapshot within about a second of a commit by any instance on the database (LISTEN/NOTIFY),
   * and at once for this instance's own commits; after a lost connection, once it is back, with the state it missed.
   * Listening starts with the first listener and stops with the last (or on dispose); it does not keep the process
   * alive. The baseline is the revision this instance last read or committed: subscribe after a read.
   */
  readonly onDidChange: Event<StoreSnapshot> = this.changes.event;

  /**
   * The SDK keys, usage counts (tables of migration 0002) and API tokens (0003) in this database, on this store's
   * connection pool: they work until the store is disposed.
   */
  services(options: SdkKeyStoreOptions = {}): StoreServices {
    return {
      keys: new PostgresSdkKeyStore(this.pool, this.location, options),
      usage: new PostgresUsageStore(this.pool, this.location),
      tokens: new PostgresTokenStore(this.pool, this.location),
    };
  }

  /** Stops listening, drops all listeners and closes the connections. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.changes.dispose();
    void this.pool.end().catch(() => {});
  }

  /** Creates the meta row and the default environments of an empty store, once (concurrent openers wait). */
  async initialize(migrationsDir?: string): Promise<void> {
    const migrations = await loadMigrations(migrationsDir);
    await this.withClient('open', async (client) => {
      await runMigrations(client, migrations);
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO rollgate_meta (revision, environments_revision, change_requests_revision, deleted_revision,
           change_requests_present) VALUES (0, 0, 0, 0, false) ON CONFLICT (id) DO NOTHING`,
      );
      if (rowCount === 1) await writeEnvironments(client, createEmptyDocument().environments, 0);
      await client.query('COMMIT');
    });
  }

  private withClient<T>(action: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return withPooledClient(this.pool, this.location, action, fn);
  }

  /** The write path of commit and update: lock, catch up, let `prepare` decide, write the delta, notify. */
  private async write(prepare: (current: State) => CommitRequest): Promise<StoreSnapshot> {
    const next = await this.withClient('commit to', async (client) => {
      await client.query('BEGIN');
      const meta = await readMeta(client, true);
      const current = await this.refresh(client, meta);
      const request = prepare(current);
      const audit = validateAudit(request.audit);
      const delta = this.diff(request.base, request.document);
      const stale = request.base.revision < current.revision;
      if (stale) await this.checkConflicts(client, request.base, delta, meta);
      const revision = current.revision + 1;
      const next = this.apply(current, delta, revision);
      if (stale) this.checkSegmentReferences(request.base, delta, meta, next.snapshot.document);
      await writeFlags(client, delta.upserts, delta.deletes, revision);
      if (delta.segments) await writeSegments(client, delta.segments, revision);
      if (delta.environments) await writeEnvironments(client, delta.environments, revision);
      if (delta.changeRequests) await writeChangeRequests(client, delta.changeRequests.list ?? [], revision);
      if (delta.settings) await writeSettings(client, delta.settings);
      await insertAudit(
        client,
        audit.map((entry) => ({ ...entry, revision })),
      );
      await writeMeta(client, {
        revision,
        environmentsRevision: delta.environments ? revision : meta.environmentsRevision,
        changeRequestsRevision: delta.changeRequests ? revision : meta.changeRequestsRevision,
        deletedRevision: delta.deletes.length > 0 ? revision : meta.deletedRevision,
        changeRequestsPresent: delta.changeRequests
          ? delta.changeRequests.list !== undefined
          : meta.changeRequestsPresent,
        segmentsRevision: delta.segments ? revision : meta.segmentsRevision,
        settingsRevision: delta.settings ? revision : meta.settingsRevision,
      });
      await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(revision)]);
      await client.query('COMMIT');
      return next;
    });
    if (this.state === undefined || next.revision > this.state.revision) this.state = next;
    this.notify(next.snapshot);
    return next.snapshot;
  }

  /**
   * What `document` changes relative to `base`, with the changed rows validated (the whole document when the
   * environments or the settings changed or a segment was removed). Errors: INVALID_INPUT, INVALID_RULE.
   */
  private diff(base: StoreSnapshot, document: StoreDocument): Delta {
    if ((document.version as unknown) !== 1) throw invalidDocumentError(['version'], 'expected 1');
    checkStorableFields(document);
    const environmentsChanged = canonicalJson(document.environments) !== canonicalJson(base.document.environments);
    const segmentsChanged = canonicalJson(document.segments ?? []) !== canonicalJson(base.document.segments ?? []);
    const settingsChanged = canonicalJson(settingsOf(document)) !== canonicalJson(settingsOf(base.document));
    // A changed environment list or settings (an approval policy names groups), or a removed segment (a rule may name
    // it), can invalidate anything: validate and compile everything then (rare). A new or changed segment concerns no
    // flag: it is validated and compiled alone.
    const whole =
      environmentsChanged || settingsChanged || (segmentsChanged && removesSegment(base.document, document))
        ? validateDocument(document)
        : undefined;
    const checked = environmentsChanged && whole ? whole : document;
    const segments = whole ? whole.segments : segmentsChanged ? validateSegments(document.segments) : document.segments;
    const { changed, deletes } =
      (environmentsChanged ? undefined : this.alignedChanges(base.document, checked.flags)) ??
      this.keyedChanges(base.document, checked.flags);
    const upserts = environmentsChanged
      ? changed.map((c) => c.flag)
      : validateFlags(changed, document.environments, segments, document.groups);
    if (whole) compileStore(whole);
    else {
      // Every environment's file holds the segments' `$evaluators`, so this compiles them too.
      const changedOnly = { ...document, segments, flags: upserts };
      for (const env of document.environments) compileEnvironment(changedOnly, env.key);
    }
    let changeRequests: Delta['changeRequests'];
    if (canonicalJson(document.changeRequests) !== canonicalJson(base.document.changeRequests)) {
      const list = document.changeRequests?.map((request, i) => {
        const result = changeRequestSchema.safeParse(request);
        if (!result.success) {
          const issue = result.error.issues[0];
          throw invalidDocumentError(['changeRequests', i, ...(issue?.path ?? [])], issue?.message);
        }
        return deepFreeze(result.data);
      });
      changeRequests = { list };
    }
    return {
      upserts: upserts.map(deepFreeze),
      deletes,
      created: new Set(changed.filter((c) => c.old === undefined).map((c) => c.flag.key)),
      environments: environmentsChanged ? checked.environments.map(deepFreeze) : undefined,
      changeRequests,
      segments: segmentsChanged ? segmentChanges(base.document.segments ?? [], segments ?? []) : undefined,
      settings: settingsChanged && whole ? deepFreeze(settingsOf(whole)) : undefined,
    };
  }

  /**
   * The changed flags when `flags` keeps the base's flags in their places (what operations do: replace a flag in
   * place, append a new one), found by comparing positions, with no index; undefined otherwise. Errors:
   * INVALID_INPUT (a new flag with a key the base or another new flag has).
   */
  private alignedChanges(base: StoreDocument, flags: readonly Flag[]): FlagChanges | undefined {
    const before = base.flags;
    if (flags.length < before.length) return undefined;
    const changed: FlagChange[] = [];
    for (let index = 0; index < flags.length; index++) {
      const flag = flags[index];
      const old = before[index];
      if (flag === undefined || flag === old) continue;
      if (old !== undefined && old.key !== flag.key) return undefined;
      if (old === undefined || canonicalJson(old) !== canonicalJson(flag)) changed.push({ index, flag, old });
    }
    const added = changed.filter((c) => c.old === undefined);
    if (added.length > 0) {
      const existing = this.indexOf(base);
      const seen = new Set<string>();
      for (const { index, flag } of added) {
        if (existing.has(flag.key) || seen.has(flag.key)) throw duplicateKey(index, flag.key);
        seen.add(flag.key);
      }
    }
    return { changed, deletes: [] };
  }

  /** The changed and deleted flags of any `flags` against `base`, by key. Errors: INVALID_INPUT (duplicate key). */
  private keyedChanges(base: StoreDocument, flags: readonly Flag[]): FlagChanges {
    const baseFlags = this.indexOf(base);
    const keys = new Set<string>();
    const changed: FlagChange[] = [];
    flags.forEach((flag, index) => {
      if (keys.has(flag.key)) throw duplicateKey(index, flag.key);
      keys.add(flag.key);
      const old = baseFlags.get(flag.key);
      if (old !== flag && (old === undefined || canonicalJson(old) !== canonicalJson(flag))) {
        changed.push({ index, flag, old });
      }
    });
    return { changed, deletes: [...baseFlags.keys()].filter((k) => !keys.has(k)) };
  }

  /** Refuses (STORE_CONFLICT) a delta computed on a stale base that overlaps what changed since. */
  private async checkConflicts(client: ClientBase, base: StoreSnapshot, delta: Delta, meta: Meta): Promise<void> {
    if (meta.environmentsRevision > base.revision) {
      throw conflict(this.location, 'The environments changed since the change was computed.');
    }
    if (meta.settingsRevision > base.revision) {
      throw conflict(this.location, "The document's settings (groups) changed since the change was computed.");
    }
    if (delta.changeRequests && meta.changeRequestsRevision > base.revision) {
      throw conflict(this.location, 'The change requests changed since the change was computed.');
    }
    const segments = delta.segments;
    if (segments?.reordered && meta.segmentsRevision > base.revision) {
      throw conflict(this.location, 'The segments changed since the change was computed.');
    }
    for (const [table, label, rows] of [
      ['flags', 'Flag', delta],
      ['segments', 'Segment', segments],
    ] as const) {
      if (!rows) continue;
      const keys = [...rows.upserts.map((r) => r.key), ...rows.deletes];
      if (keys.length === 0) continue;
      const found = await client.query<{ key: string; version: string }>(
        `SELECT key, version FROM ${table} WHERE key = ANY($1::text[])`,
        [keys],
      );
      const versions = new Map(found.rows.map((r) => [r.key, Number(r.version)]));
      for (const key of keys) {
        const version = versions.get(key);
        const moved = rows.created.has(key) ? version !== undefined : version === undefined || version > base.revision;
        if (!moved) continue;
        const message = `${label} "${key}" changed since the change was computed.`;
        throw conflict(this.location, message, table === 'flags' ? key : undefined);
      }
    }
  }

  /**
   * Refuses (STORE_CONFLICT) a delta computed on a stale base whose result `next` refers to a segment that is not
   * there: a changed flag naming a segment deleted since, or a deleted segment that a flag changed since uses. Walks
   * every flag, so only when the delta deletes segments or has flags referring to segments that changed since.
   */
  private checkSegmentReferences(base: StoreSnapshot, delta: Delta, meta: Meta, next: StoreDocument): void {
    const deletes = (delta.segments?.deletes.length ?? 0) > 0;
    const refers = meta.segmentsRevision > base.revision && segmentReferences(delta.upserts).length > 0;
    if (!deletes && !refers) return;
    const issue = checkSegments(next)[0];
    if (issue) throw conflict(this.location, `The segments changed since the change was computed: ${issue.message}.`);
  }

  /** `current` with `delta` applied, as the state of `revision`. */
  private apply(current: State, delta: Delta, revision: number): State {
    // The list stays in key order: each change is a binary search and an in-place replace (or a splice), so applying
    // a change to one flag copies the array once and looks nothing else up.
    const flags = [...current.snapshot.document.flags];
    for (const flag of delta.upserts) {
      const at = positionOf(flags, flag.key);
      if (flags[at]?.key === flag.key) flags[at] = flag;
      else flags.splice(at, 0, flag);
    }
    for (const key of delta.deletes) {
      const at = positionOf(flags, key);
      if (flags[at]?.key === key) flags.splice(at, 1);
    }
    return this.makeState(
      revision,
      flags,
      delta.environments ?? current.environments,
      delta.changeRequests ? delta.changeRequests.list : current.changeRequests,
      delta.segments ? applySegments(current.segments, delta.segments) : current.segments,
      delta.settings ?? current.settings,
    );
  }

  /**
   * Brings the in-memory state up to `meta` (read in the caller's transaction, which must see one consistent state:
   * REPEATABLE READ, or holding the meta row lock) by loading only the rows written since.
   */
  private async refresh(client: ClientBase, meta: Meta): Promise<State> {
    const prev = this.state;
    if (prev !== undefined && prev.revision === meta.revision) return prev;
    const full = prev === undefined || meta.deletedRevision > prev.revision || meta.revision < prev.revision;
    const since = full ? -1 : prev.revision;
    const flags = full ? new Map<string, Flag>() : new Map(this.indexOf(prev.snapshot.document));
    // In key order, so the map (whose order later updates keep) is sorted already and the sort below is linear.
    const flagRows = await client.query<{ key: string; data: unknown }>(
      'SELECT key, data FROM flags WHERE version > $1 ORDER BY key COLLATE "C"',
      [since],
    );
    for (const row of flagRows.rows) flags.set(row.key, parseRow(flagSchema, row.data, 'flags', row.key));
    const environments =
      full || meta.environmentsRevision > since
        ? (
            await client.query<{ key: string; data: unknown }>('SELECT key, data FROM environments ORDER BY position')
          ).rows.map((r) => parseRow(environmentSchema, r.data, 'environments', r.key))
        : prev.environments;
    const changeRequests =
      full || meta.changeRequestsRevision > since
        ? meta.changeRequestsPresent
          ? (
              await client.query<{ id: string; data: unknown }>(
                'SELECT id, data FROM change_requests ORDER BY position',
              )
            ).rows.map((r) => parseRow(changeRequestSchema, r.data, 'change_requests', r.id))
          : undefined
        : prev.changeRequests;
    const segments =
      full || meta.segmentsRevision > since
        ? (
            await client.query<{ key: string; data: unknown }>('SELECT key, data FROM segments ORDER BY position')
          ).rows.map((r) => parseRow(segmentSchema, r.data, 'segments', r.key))
        : prev.segments;
    const settings = full || meta.settingsRevision > since ? await readSettings(client) : prev.settings;
    // Flags in key order (code units), as the file store reads them: every replica builds the same document. `flags`
    // is (nearly) in this order already, which the sort (TimSort) handles in linear time.
    const list = [...flags.values()].sort((a, b) => compareKeys(a.key, b.key));
    const state = this.makeState(meta.revision, list, environments, changeRequests, segments, settings);
    this.flagIndex.set(state.snapshot.document, flags);
    if (this.state === undefined || state.revision > this.state.revision || full) this.state = state;
    return state;
  }

  /** The state of `revision`; `list` must be in key order. */
  private makeState(
    revision: number,
    list: Flag[],
    environments: readonly Environment[],
    changeRequests: readonly ChangeRequest[] | undefined,
    segments: readonly Segment[],
    settings: DocumentSettings,
  ): State {
    const document: StoreDocument = Object.freeze({
      version: 1 as const,
      environments: Object.freeze([...environments]) as Environment[],
      flags: Object.freeze(list) as Flag[],
      ...(changeRequests === undefined
        ? {}
        : { changeRequests: Object.freeze([...changeRequests]) as ChangeRequest[] }),
      ...settings,
      ...(segments.length === 0 ? {} : { segments: Object.freeze([...segments]) as Segment[] }),
    });
    return {
      revision,
      environments,
      changeRequests,
      segments,
      settings,
      snapshot: { document, revision, version: String(revision) },
    };
  }

  private indexOf(document: StoreDocument): ReadonlyMap<string, Flag> {
    let index = this.flagIndex.get(document);
    if (index === undefined) {
      index = new Map(document.flags.map((f) => [f.key, f]));
      this.flagIndex.set(document, index);
    }
    return index;
  }

  private notify(snapshot: StoreSnapshot): void {
    const w = this.changes.watching;
    if (!w || w.lastRevision >= snapshot.revision) return;
    w.lastRevision = snapshot.revision;
    this.changes.fire(snapshot);
  }

  private startWatching(): Watching {
    const w: Watching = {
      lastRevision: this.state?.revision ?? -1,
      checking: false,
      recheck: false,
      dispose() {
        w.stopped = true;
        listener.dispose();
      },
    };
    const check = (): void => void this.check(w);
    const listener = listen({ connectionString: this.connectionString }, NOTIFY_CHANNEL, {
      onNotification: (payload) => {
        if (Number(payload) > w.lastRevision) check();
      },
      // Commits made while the listener was not connected sent notifications nobody heard.
      onConnected: check,
      onDisconnected: () => {},
    });
    return w;
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
        if (w.lastRevision < 0) w.lastRevision = snapshot.revision;
        else this.notify(snapshot);
      } while (w.recheck && !w.stopped);
    } finally {
      w.checking = false;
    }
  }
}

interface Watching {
  /** Revision of the last snapshot fired (or the baseline); -1 until known. */
  lastRevision: number;
  checking: boolean;
  recheck: boolean;
  stopped?: boolean;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Opens the store in the database at `url` (postgres://user:password@host:port/db), applying pending migrations
 * and creating an empty store (the default environments) the first time. Errors: INVALID_INPUT (not a PostgreSQL
 * URL), STORE_IO (unreachable, authentication, a migration that fails or is newer than this program).
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const location = describeDatabaseUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // An idle pooled connection that breaks (server restart) is dropped; the next query opens a new one.
  pool.on('error', () => {});
  const store = new PostgresStore(pool, url, location);
  try {
    await store.initialize(options.migrationsDir);
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
  return store;
}

/** Whether `document` lacks a segment that `base` has. */
function removesSegment(base: StoreDocument, document: StoreDocument): boolean {
  const keys = new Set(document.segments?.map((s) => s.key));
  return (base.segments ?? []).some((s) => !keys.has(s.key));
}

/** Validates a segment list on its own (shape, defaults, unique keys); paths name `segments[index]`. */
function validateSegments(segments: Segment[] | undefined): Segment[] | undefined {
  const result = segmentListSchema.safeParse(segments);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidDocumentError(['segments', ...(issue?.path ?? [])], issue?.message);
  }
  const issue = checkSegments({ flags: [], segments: result.data })[0];
  if (issue) throw invalidDocumentError(issue.path, issue.message);
  return result.data;
}

/**
 * Validates changed flags against the environments, segments and groups (shape, variants, references); paths name
 * `flags[index]` (`environments[index]` for an approval policy naming an unknown group).
 */
function validateFlags(
  changed: readonly { index: number; flag: Flag }[],
  environments: Environment[],
  segments: Segment[] | undefined,
  groups: StoreDocument['groups'],
): Flag[] {
  const parsed = changed.map(({ index, flag }) => {
    const result = flagSchema.safeParse(flag);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw invalidDocumentError(['flags', index, ...(issue?.path ?? [])], issue?.message);
  });
  const issue = checkDocument({ environments, flags: parsed, segments, groups })[0];
  if (issue?.path[0] === 'environments') throw invalidDocumentError(issue.path, issue.message);
  if (issue) {
    const [, at, ...rest] = issue.path;
    const index = typeof at === 'number' ? (changed[at]?.index ?? at) : at;
    throw invalidDocumentError(['flags', index ?? 0, ...rest], issue.message);
  }
  return parsed;
}

function parseRow<T>(
  schema: {
    safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  data: unknown,
  table: string,
  key: string,
): T {
  const result = schema.safeParse(data);
  if (result.success) return deepFreeze(result.data);
  throw new FlagError(
    'PARSE_ERROR',
    `Row "${key}" of table ${table} is not valid: ${result.error.issues[0]?.message ?? 'invalid'}`,
    {
      table,
      key,
      hint: `Repair the row (it was changed outside Rollgate), or restore it from a backup.`,
    },
  );
}

async function readMeta(client: ClientBase, lock: boolean): Promise<Meta> {
  // Not the settings: they are read (by readSettings) only when they changed.
  const { rows } = await client.query<{
    revision: string;
    environments_revision: string;
    change_requests_revision: string;
    deleted_revision: string;
    change_requests_present: boolean;
    segments_revision: string;
    settings_revision: string;
  }>(
    `SELECT revision, environments_revision, change_requests_revision, deleted_revision, change_requests_present,
            segments_revision, settings_revision FROM rollgate_meta${lock ? ' FOR UPDATE' : ''}`,
  );
  const row = rows[0];
  if (!row) {
    throw new FlagError('STORE_IO', 'The Rollgate tables are there but hold no store (rollgate_meta is empty).', {
      hint: 'Open the store once with a Rollgate program to initialize it, or restore the database from a backup.',
    });
  }
  return {
    revision: Number(row.revision),
    environmentsRevision: Number(row.environments_revision),
    changeRequestsRevision: Number(row.change_requests_revision),
    deletedRevision: Number(row.deleted_revision),
    changeRequestsPresent: row.change_requests_present,
    segmentsRevision: Number(row.segments_revision),
    settingsRevision: Number(row.settings_revision),
  };
}

async function writeMeta(client: ClientBase, meta: Meta): Promise<void> {
  await client.query(
    `UPDATE rollgate_meta SET revision = $1, environments_revision = $2, change_requests_revision = $3,
       deleted_revision = $4, change_requests_present = $5, segments_revision = $6, settings_revision = $7`,
    [
      meta.revision,
      meta.environmentsRevision,
      meta.changeRequestsRevision,
      meta.deletedRevision,
      meta.changeRequestsPresent,
      meta.segmentsRevision,
      meta.settingsRevision,
    ],
  );
}

async function readSettings(client: ClientBase): Promise<DocumentSettings> {
  const { rows } = await client.query<{ settings: unknown }>('SELECT settings FROM rollgate_meta');
  return parseRow(settingsSchema, rows[0]?.settings ?? {}, 'rollgate_meta', 'settings');
}

async function writeSettings(client: ClientBase, settings: DocumentSettings): Promise<void> {
  await client.query('UPDATE rollgate_meta SET settings = $1::jsonb', [JSON.stringify(settings)]);
}

/** The settings of `document`: its fields that have no rows of their own (absent ones left out). */
function settingsOf(document: StoreDocument): DocumentSettings {
  return Object.fromEntries(
    Object.entries(document).filter(([key, value]) => !ROW_FIELDS.has(key) && value !== undefined),
  );
}

/**
 * Refuses (INVALID_INPUT) a document with a field the model does not know at its top level: it has no row and is
 * no setting, so it would be dropped. Extension fields (`x-…`) of flags.yaml never reach a document (store-yaml.ts).
 */
function checkStorableFields(document: StoreDocument): void {
  const known = Object.keys(storeDocumentSchema.shape);
  for (const key of Object.keys(document)) {
    if (known.includes(key)) continue;
    throw new FlagError(
      'INVALID_INPUT',
      `The store document has a field "${key}" that the model does not know; the PostgreSQL store would drop it.`,
      {
        path: key,
        hint: `Remove "${key}" from the document (known fields: ${known.join(', ')}); the store was not modified.`,
      },
    );
  }
}

async function writeFlags(
  client: ClientBase,
  upserts: readonly Flag[],
  deletes: readonly string[],
  revision: number,
): Promise<void> {
  if (upserts.length > 0) {
    await client.query(
      `INSERT INTO flags (key, data, version) SELECT e->>'key', e, $2 FROM jsonb_array_elements($1::jsonb) AS e
         ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version`,
      [JSON.stringify(upserts), revision],
    );
  }
  if (deletes.length > 0) await client.query('DELETE FROM flags WHERE key = ANY($1::text[])', [deletes]);
}

/**
 * Writes the segment rows of `delta`: a reordered list replaces every row; otherwise deleted rows go, changed rows
 * keep their position and new ones go after the last, in the order of the commit.
 */
async function writeSegments(client: ClientBase, delta: SegmentDelta, revision: number): Promise<void> {
  if (delta.reordered) await client.query('DELETE FROM segments');
  else if (delta.deletes.length > 0) {
    await client.query('DELETE FROM segments WHERE key = ANY($1::text[])', [delta.deletes]);
  }
  const rows = delta.reordered ?? delta.upserts;
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO segments (key, position, data, version)
       SELECT e->>'key', (SELECT COALESCE(max(position), 0) FROM segments) + ord, e, $2
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord)
       ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version`,
    [JSON.stringify(rows), revision],
  );
}

async function writeEnvironments(
  client: ClientBase,
  environments: readonly Environment[],
  revision: number,
): Promise<void> {
  await client.query('DELETE FROM environments');
  await client.query(
    `INSERT INTO environments (key, position, data, version)
       SELECT e->>'key', ord, e, $2 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord)`,
    [JSON.stringify(environments), revision],
  );
}

async function writeChangeRequests(
  client: ClientBase,
  requests: readonly ChangeRequest[],
  revision: number,
): Promise<void> {
  await client.query('DELETE FROM change_requests');
  if (requests.length === 0) return;
  await client.query(
    `INSERT INTO change_requests (id, position, data, version)
       SELECT e->>'id', ord, e, $2 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord)`,
    [JSON.stringify(requests), revision],
  );
}

async function insertAudit(client: ClientBase, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `INSERT INTO audit_entries (revision, at, actor, action, flag_key, environment, entry)
       SELECT (e->>'revision')::bigint, (e->>'at')::timestamptz, e->>'actor', e->>'action', e->>'flagKey',
              e->>'environment', e
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord) ORDER BY ord`,
    [JSON.stringify(entries)],
  );
}

function conflict(location: string, message: string, flagKey?: string): FlagError {
  return new FlagError('STORE_CONFLICT', `${message} (${location})`, {
    ...(flagKey === undefined ? {} : { flagKey }),
    hint: 'Read the store again and re-apply the change (applyOperation does this for you).',
  });
}

/** A flag of a commit that differs from its base (`old`: undefined for a new flag), at `index` of the document. */
interface FlagChange {
  readonly index: number;
  readonly flag: Flag;
  readonly old: Flag | undefined;
}

interface FlagChanges {
  readonly changed: FlagChange[];
  readonly deletes: string[];
}

/** What `next` (validated) changes in the segments of `base`; see {@link SegmentDelta}. */
function segmentChanges(base: readonly Segment[], next: readonly Segment[]): SegmentDelta {
  const before = new Map(base.map((s) => [s.key, s]));
  const keys = new Set(next.map((s) => s.key));
  const kept = next.filter((s) => before.has(s.key)).map((s) => s.key);
  const keptBefore = base.filter((s) => keys.has(s.key)).map((s) => s.key);
  const inPlace = kept.every((key, i) => key === keptBefore[i] && next[i]?.key === key);
  const upserts = next.filter((s) => {
    const old = before.get(s.key);
    return old === undefined || canonicalJson(old) !== canonicalJson(s);
  });
  return {
    upserts: upserts.map(deepFreeze),
    deletes: base.filter((s) => !keys.has(s.key)).map((s) => s.key),
    created: new Set(upserts.filter((s) => !before.has(s.key)).map((s) => s.key)),
    reordered: inPlace ? undefined : next.map(deepFreeze),
  };
}

/** `current` with `delta` applied, in the order {@link writeSegments} gives the rows. */
function applySegments(current: readonly Segment[], delta: SegmentDelta): readonly Segment[] {
  if (delta.reordered) return delta.reordered;
  const upserts = new Map(delta.upserts.map((s) => [s.key, s]));
  const deletes = new Set(delta.deletes);
  const kept = current.filter((s) => !deletes.has(s.key)).map((s) => upserts.get(s.key) ?? s);
  return [...kept, ...delta.upserts.filter((s) => delta.created.has(s.key))];
}

function duplicateKey(index: number, key: string): FlagError {
  return invalidDocumentError(['flags', index, 'key'], `duplicate flag key "${key}"`);
}

/** Code-unit order of flag keys (the order of a document's flags). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Where `key` is, or would be inserted, in `flags` (in key order): binary search. */
function positionOf(flags: readonly Flag[], key: string): number {
  let low = 0;
  let high = flags.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(flags[mid]?.key ?? '', key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** JSON with object keys sorted, so equal values compare equal whatever order their keys were built in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

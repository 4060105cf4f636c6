// An in-memory FlagStore for rollout tests: the FlagStore contract (optimistic concurrency on `version`,
// validation on commit, append-only audit), nothing more.
import { FlagError } from '../../src/errors.ts';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import type { AuditEntry, StoreDocument } from '../../src/flags/model.ts';
import { Emitter } from '../../src/lifecycle.ts';
import type { AuditQuery, CommitRequest, FlagStore, StoreSnapshot } from '../../src/store/types.ts';

export class MemoryStore implements FlagStore {
  readonly location = 'memory:';
  private snapshot: StoreSnapshot;
  private readonly audit: AuditEntry[] = [];
  private readonly _onDidChange = new Emitter<StoreSnapshot>();
  readonly onDidChange = this._onDidChange.event;
  /** Commits that failed with a simulated I/O error before succeeding again. */
  failNextCommits = 0;

  constructor(document: StoreDocument) {
    this.snapshot = { document: storeDocumentSchema.parse(document), revision: 0, version: 'v0' };
  }

  read(): Promise<StoreSnapshot> {
    return Promise.resolve(this.snapshot);
  }

  commit(request: CommitRequest): Promise<StoreSnapshot> {
    if (this.failNextCommits > 0) {
      this.failNextCommits--;
      return Promise.reject(new FlagError('STORE_IO', 'simulated I/O failure'));
    }
    if (request.base.version !== this.snapshot.version) {
      return Promise.reject(new FlagError('STORE_CONFLICT', 'stale base'));
    }
    if (request.audit.length === 0) return Promise.reject(new FlagError('INVALID_INPUT', 'commit without audit'));
    const parsed = storeDocumentSchema.safeParse(request.document);
    if (!parsed.success) return Promise.reject(new FlagError('INVALID_INPUT', parsed.error.message));
    const revision = this.snapshot.revision + 1;
    this.snapshot = { document: parsed.data, revision, version: `v${revision}` };
    for (const entry of request.audit) this.audit.push({ ...entry, revision });
    this._onDidChange.fire(this.snapshot);
    return Promise.resolve(this.snapshot);
  }

  readAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const entries = this.audit.filter(
      (e) =>
        (query.flagKey === undefined || e.flagKey === query.flagKey) &&
        (query.environment === undefined || e.environment === query.environment) &&
        (query.since === undefined || e.at >= query.since),
    );
    return Promise.resolve(query.limit === undefined ? entries : entries.slice(-query.limit));
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}

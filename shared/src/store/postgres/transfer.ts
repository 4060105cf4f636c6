/**
 * Moving a store between the file store and PostgreSQL, history included: `rollgate migrate` imports a `.rollgate/`
 * (the whole document, and the `x-…` extension fields of flags.yaml) into an empty database, `rollgate export` writes a database back
 * to a new `.rollgate/` (flags.yaml, audit.jsonl and
 * the compiled flagd files), so flags-as-code stays possible. Each records itself with one audit entry
 * (`store.import` / `store.export`) after the copied history.
 */
import { join } from 'node:path';
import type { StoreDocument } from '../../flags/model.ts';
import type { AuditEntryInput } from '../types.ts';
import { appendAuditEntries } from '../audit-log.ts';
import { initStore, openFileStore } from '../file-store.ts';
import { openPostgresStore } from './postgres-store.ts';

/** Who moves the store, and when. */
export interface TransferContext {
  readonly actor: string;
  readonly now: () => Date;
}

/** What was moved. */
export interface TransferResult {
  readonly flags: number;
  readonly segments: number;
  readonly auditEntries: number;
  /** Revision of the target after the transfer (the history's last + 1). */
  readonly revision: number;
  readonly from: string;
  readonly to: string;
}

/**
 * Imports the file store of `root` (the directory holding `.rollgate/`) into the database at `url`. Errors:
 * INVALID_INPUT when the database already holds a store (nothing is written), those of openFileStore / read
 * (STORE_IO, PARSE_ERROR) and of openPostgresStore.
 */
export async function importFileStore(root: string, url: string, context: TransferContext): Promise<TransferResult> {
  const source = await openFileStore(root);
  try {
    const { document } = await source.read();
    const extensions = await source.readExtensions();
    const history = await source.readAudit();
    const target = await openPostgresStore(url);
    try {
      const entry = transferEntry('store.import', source.location, context);
      const imported = await target.importStore(document, history, entry, extensions);
      return result(imported.document, history.length, imported.revision, source.location, target.location);
    } finally {
      target.dispose();
    }
  } finally {
    source.dispose();
  }
}

/**
 * Writes the store in the database at `url` to a new `.rollgate/` in `root` (which must exist and hold no store).
 * Errors: INVALID_INPUT when `root` already has a store, STORE_IO, INVALID_RULE.
 */
export async function exportToFileStore(url: string, root: string, context: TransferContext): Promise<TransferResult> {
  const source = await openPostgresStore(url);
  try {
    const { document } = await source.read();
    const extensions = await source.readExtensions();
    const history = await source.readAudit();
    const target = await initStore(root);
    try {
      // The copied history first, so the export entry (stamped by the commit) comes after its last revision.
      await appendAuditEntries(join(target.location, 'audit.jsonl'), history, true);
      const entry = transferEntry('store.export', source.location, context);
      const exported = await target.update(() => ({ document, audit: [entry] }), { extensions });
      return result(exported.document, history.length, exported.revision, source.location, target.location);
    } finally {
      target.dispose();
    }
  } finally {
    source.dispose();
  }
}

function transferEntry(action: string, from: string, context: TransferContext): AuditEntryInput {
  return { at: context.now().toISOString(), actor: context.actor, action, changes: [], data: { from } };
}

function result(
  document: StoreDocument,
  auditEntries: number,
  revision: number,
  from: string,
  to: string,
): TransferResult {
  return { flags: document.flags.length, segments: document.segments?.length ?? 0, auditEntries, revision, from, to };
}

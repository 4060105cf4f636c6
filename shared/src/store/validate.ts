/**
 * Validation every store runs on a commit before writing anything: the document (or the rows a commit changes) and
 * the audit entries. Errors are INVALID_INPUT naming the path and saying the store was not modified.
 */
import { FlagError } from '../errors.ts';
import { formatPath } from '../flags/diff.ts';
import { auditEntrySchema, storeDocumentSchema } from '../flags/model.ts';
import type { AuditEntry, StoreDocument } from '../flags/model.ts';
import type { AuditEntryInput, AuditQuery } from './types.ts';

/** The INVALID_INPUT error of a store refusing a commit because of the value at `path`. */
export function invalidDocumentError(path: readonly PropertyKey[], message: string | undefined): FlagError {
  const where = formatPath(path);
  return new FlagError('INVALID_INPUT', `Invalid store document at ${where}: ${message ?? 'invalid'}`, {
    path: where,
    hint: `Fix ${where} in the change; the store was not modified.`,
  });
}

/** The whole document through the model (shape and cross-field checks), defaults filled. Errors: INVALID_INPUT. */
export function validateDocument(document: StoreDocument): StoreDocument {
  const result = storeDocumentSchema.safeParse(document);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalidDocumentError(issue?.path ?? [], issue?.message);
}

/** At least one entry, each valid for the audit log (without its revision). Errors: INVALID_INPUT. */
export function validateAudit(entries: readonly AuditEntryInput[]): AuditEntryInput[] {
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
    const { revision: _revision, ...rest }: AuditEntry = result.data;
    return rest;
  });
}

/**
 * Checks an {@link AuditQuery} and returns `since` as epoch milliseconds. Errors: INVALID_INPUT for `since` that is
 * not an ISO time or `limit` that is not a positive integer.
 */
export function parseAuditQuery(query: AuditQuery): { since: number | undefined } {
  const since = query.since === undefined ? undefined : Date.parse(query.since);
  if (since !== undefined && Number.isNaN(since)) {
    throw new FlagError('INVALID_INPUT', `"${query.since}" is not a date/time.`, {
      hint: 'Pass `since` as an ISO 8601 time such as 2026-11-01T00:00:00Z.',
    });
  }
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit > 0)) {
    throw new FlagError('INVALID_INPUT', `limit must be a positive integer, got ${query.limit}.`, {
      hint: 'Pass a whole number of entries, e.g. 20, or leave limit out for all entries.',
    });
  }
  return { since };
}

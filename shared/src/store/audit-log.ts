/**
 * The append-only audit log `.rollgate/audit.jsonl`: one JSON AuditEntry per line, newest last. The store's
 * revision is derived from it (the highest revision near the end of the file), so flags.yaml carries no counter
 * that two git branches would both bump.
 */
import { writeSync } from 'node:fs';
import { open, readFile, truncate } from 'node:fs/promises';
import { auditEntrySchema } from '../flags/model.ts';
import type { AuditEntry } from '../flags/model.ts';
import { FlagError } from '../errors.ts';
import { ioError } from './fs-util.ts';
import type { AuditQuery } from './types.ts';
import { parseAuditQuery } from './validate.ts';

/** How much of the end of the log is read to find the revision; doubled until a complete entry is in it. */
const TAIL_CHUNK_BYTES = 64 * 1024;

/** What the end of the log says: the current revision, and whether the last line is complete. */
export interface AuditTail {
  /** Highest revision among the complete entries in the tail chunk; 0 for an empty or missing log. */
  readonly revision: number;
  /** The log is empty or ends with a newline (a crash mid-append leaves a partial last line). */
  readonly endsWithNewline: boolean;
}

/**
 * Reads the end of the log (not the whole file) and returns the current revision. The highest revision of the
 * last chunk is used rather than the last line's, because a `merge=union` git merge interleaves two branches' lines.
 * A missing log is an empty one. Errors: STORE_IO.
 */
export async function readAuditTail(file: string): Promise<AuditTail> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return { revision: 0, endsWithNewline: true };
    throw ioError(e, 'open', file);
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return { revision: 0, endsWithNewline: true };
    for (let chunk = TAIL_CHUNK_BYTES; ; chunk *= 2) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      const lines = text.split('\n');
      // The first line of a chunk may be cut; the last is empty when the file ends with a newline.
      const complete = lines.slice(start === 0 ? 0 : 1, -1);
      const revisions = complete.flatMap((line) => {
        const revision = revisionOf(line);
        return revision === undefined ? [] : [revision];
      });
      if (revisions.length > 0 || start === 0) {
        return { revision: Math.max(0, ...revisions), endsWithNewline: text.endsWith('\n') };
      }
    }
  } catch (e) {
    throw ioError(e, 'read', file);
  } finally {
    await handle.close();
  }
}

/**
 * Cuts a torn last line (an append interrupted by a crash: no final newline, not a valid entry) off the log, so the
 * next append does not bury it as a corrupt line in the middle. Call it only holding the store lock.
 * Returns whether the log was cut. Errors: STORE_IO.
 */
export async function cutTornAuditTail(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw ioError(e, 'open', file);
  }
  let cutAt: number | undefined;
  try {
    const { size } = await handle.stat();
    for (let chunk = TAIL_CHUNK_BYTES; size > 0; chunk *= 2) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const newline = buffer.lastIndexOf(0x0a);
      if (newline === buffer.length - 1) break; // not torn
      if (newline === -1 && start > 0) continue;
      if (revisionOf(buffer.subarray(newline + 1).toString('utf8')) === undefined) cutAt = start + newline + 1;
      break;
    }
  } catch (e) {
    throw ioError(e, 'read', file);
  } finally {
    await handle.close();
  }
  if (cutAt === undefined) return false;
  await truncate(file, cutAt).catch((e: unknown) => {
    throw ioError(e, 'repair', file);
  });
  return true;
}

function revisionOf(line: string): number | undefined {
  try {
    const revision = (JSON.parse(line) as { revision?: unknown }).revision;
    return typeof revision === 'number' && Number.isInteger(revision) ? revision : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Appends `entries` in one `write` to the log (O_APPEND) and fsyncs it. When the log's last line is incomplete
 * (`endsWithNewline` false) a newline is written first, so the new entries stay readable. `fence` runs right before
 * the write and may throw to cancel it (the write is then synchronous, see writeFileAtomic). Errors: STORE_IO, and
 * whatever `fence` throws.
 */
export async function appendAuditEntries(
  file: string,
  entries: readonly AuditEntry[],
  endsWithNewline: boolean,
  fence?: () => void,
): Promise<void> {
  const text = (endsWithNewline ? '' : '\n') + entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  try {
    const handle = await open(file, 'a', 0o644);
    try {
      if (fence) {
        fence();
        writeSync(handle.fd, text);
      } else {
        await handle.writeFile(text, 'utf8');
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw ioError(e, 'append to', file);
  }
}

/**
 * Reads and filters the log (see {@link AuditQuery}); entries come in file order, newest last. A missing log is
 * empty. An incomplete last line (a crash mid-append) is skipped. Errors: INVALID_INPUT for a bad query
 * (`since` not an ISO time, `limit` not a positive integer), PARSE_ERROR with file and line for a corrupt entry,
 * STORE_IO.
 */
export async function readAuditLog(file: string, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const { since } = parseAuditQuery(query);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw ioError(e, 'read', file);
  }
  const lines = text.split('\n');
  const entries: AuditEntry[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const entry = parseEntry(line);
    if (entry === undefined) {
      if (index === lines.length - 1) return; // incomplete last line of an interrupted append
      throw new FlagError('PARSE_ERROR', `${file}:${index + 1}:1: not a valid audit entry.`, {
        file,
        line: index + 1,
        column: 1,
        hint: `Repair line ${index + 1} of the audit log (one JSON object per line) or restore it from version control.`,
      });
    }
    if (query.flagKey !== undefined && entry.flagKey !== query.flagKey) return;
    if (query.environment !== undefined && entry.environment !== query.environment) return;
    if (since !== undefined && Date.parse(entry.at) < since) return;
    entries.push(entry);
  });
  return query.limit === undefined ? entries : entries.slice(-query.limit);
}

function parseEntry(line: string): AuditEntry | undefined {
  try {
    const result = auditEntrySchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

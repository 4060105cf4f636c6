/**
 * The write-ahead journal of the file store, `.rollgate/journal.json`: a commit is decided when its journal entry
 * (the new flags.yaml text, its audit entries, the revision and the base it was computed from) is durably renamed
 * into place; it is then published — flags.yaml, audit.jsonl, the flagd outputs — and the journal removed. A crash
 * at any point leaves either no journal (nothing was decided; at most a stray temp file) or a journal that the next
 * lock holder publishes again: every step is idempotent, so flags.yaml, audit.jsonl and the flagd outputs end up
 * consistent, and no state of flags.yaml is ever published without its audit entries.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { auditEntrySchema } from '../flags/model.ts';
import { compileStore } from '../flagd/compile.ts';
import type { FlagdDocument } from '../flagd/types.ts';
import { appendAuditEntries, cutTornAuditTail, readAuditTail } from './audit-log.ts';
import { FLAGD_DIR, syncFlagdOutputs } from './flagd-outputs.ts';
import { ioError, writeFileAtomic } from './fs-util.ts';
import type { StoreRecovery } from './recovery.ts';
import { parseStoreText } from './store-yaml.ts';

export const JOURNAL_FILE = 'journal.json';

const journalEntrySchema = z
  .object({
    revision: z.number().int().positive(),
    /** Version (SHA-256) of the flags.yaml the commit was computed from. */
    baseVersion: z.string(),
    /** Version of `text`. */
    version: z.string(),
    /** The new flags.yaml. */
    text: z.string(),
    /** The commit's audit entries, stamped with `revision`. */
    audit: z.array(auditEntrySchema).min(1),
  })
  .strict();
/** A decided commit, not yet (or not known to be) published. */
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** The files of a store that a commit touches. */
export interface StoreFiles {
  readonly flagsFile: string;
  readonly auditFile: string;
  readonly flagdDir: string;
  readonly journalFile: string;
}

export function storeFiles(storeDir: string): StoreFiles {
  return {
    flagsFile: join(storeDir, 'flags.yaml'),
    auditFile: join(storeDir, 'audit.jsonl'),
    flagdDir: join(storeDir, FLAGD_DIR),
    journalFile: join(storeDir, JOURNAL_FILE),
  };
}

/** What {@link publish} did: completed the commit (and which steps were still missing) or dropped it. */
export interface PublishResult {
  readonly action: 'rolled-forward' | 'rolled-back';
  /** flags.yaml was written (it still held the base). */
  readonly wroteFlagsFile: boolean;
  /** Audit entries appended (0 when the log already had them). */
  readonly auditEntries: number;
  /** flagd outputs rewritten or removed (0 when all matched). */
  readonly flagdOutputs: number;
}

/** SHA-256 of bytes: the store's version token. */
export function versionOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Version of flags.yaml as it is on disk now (read synchronously, for fences). Errors: STORE_IO. */
export function currentVersionSync(flagsFile: string): string {
  try {
    return versionOf(readFileSync(flagsFile));
  } catch (e) {
    throw ioError(e, 'read', flagsFile);
  }
}

/**
 * Decides a commit: writes the journal entry durably, with `fence` (lock still held, base still current) checked
 * right before the rename. Errors: STORE_IO, and whatever `fence` throws (nothing is decided then).
 */
export function writeJournal(files: StoreFiles, entry: JournalEntry, fence: () => void): Promise<void> {
  return writeFileAtomic(files.journalFile, JSON.stringify(entry), { fence });
}

/**
 * Publishes a decided commit, each step idempotent and fenced by `fence` (the caller still holds the lock):
 * flags.yaml (when it still holds the base), the audit entries (when the log's revision is below the entry's), the
 * flagd outputs, then removes the journal. If flags.yaml is neither the base nor the new text (changed by hand after
 * a crash), the commit is dropped instead: the hand edit wins. `document` is the parsed `entry.text`.
 * Errors: STORE_IO, and whatever `fence` throws (the journal then stays for the next lock holder).
 */
export async function publish(
  files: StoreFiles,
  entry: JournalEntry,
  outputs: ReadonlyMap<string, FlagdDocument>,
  fence: () => void,
): Promise<PublishResult> {
  const current = currentVersionSync(files.flagsFile);
  if (current !== entry.version && current !== entry.baseVersion) {
    removeJournal(files, fence);
    return { action: 'rolled-back', wroteFlagsFile: false, auditEntries: 0, flagdOutputs: 0 };
  }
  const wroteFlagsFile = current !== entry.version;
  if (wroteFlagsFile) await writeFileAtomic(files.flagsFile, entry.text, { fence });
  await cutTornAuditTail(files.auditFile);
  const tail = await readAuditTail(files.auditFile);
  const auditEntries = tail.revision < entry.revision ? entry.audit.length : 0;
  if (auditEntries > 0) await appendAuditEntries(files.auditFile, entry.audit, tail.endsWithNewline, fence);
  const states = await syncFlagdOutputs(files.flagdDir, outputs, { write: true, fence });
  removeJournal(files, fence);
  const flagdOutputs = states.filter((s) => s.state !== 'fresh').length;
  return { action: 'rolled-forward', wroteFlagsFile, auditEntries, flagdOutputs };
}

/**
 * Completes or drops the commit left in the journal, if any (call it holding the lock). Returns what was done, or
 * undefined when there was no journal. An unreadable journal (it is renamed into place whole, so only a damaged disk
 * makes one) is dropped. Errors: STORE_IO, whatever `fence` throws.
 */
export async function recoverJournal(files: StoreFiles, fence: () => void): Promise<StoreRecovery | undefined> {
  let text: string;
  try {
    text = await readFile(files.journalFile, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw ioError(e, 'read', files.journalFile);
  }
  const entry = parseJournal(text);
  if (entry === undefined) {
    removeJournal(files, fence);
    return {
      action: 'rolled-back',
      message: `Dropped an unreadable commit journal (${files.journalFile}); flags.yaml and audit.jsonl are as they were.`,
    };
  }
  const { document } = parseStoreText(entry.text, files.journalFile);
  const result = await publish(files, entry, compileStore(document), fence);
  const who = entry.audit[0] ? ` (${entry.audit[0].action} by ${entry.audit[0].actor} at ${entry.audit[0].at})` : '';
  return {
    action: result.action,
    revision: entry.revision,
    message:
      result.action === 'rolled-forward'
        ? `Completed revision ${entry.revision}${who}, interrupted by a crash (${describeSteps(result)}): flags.yaml, audit.jsonl and the flagd outputs are consistent again.`
        : `Dropped revision ${entry.revision}${who}, interrupted by a crash: flags.yaml was changed after it, so the change was not applied; make it again if it is still wanted.`,
  };
}

/** `wrote flags.yaml, appended 1 audit entry, re-compiled 2 flagd outputs`: what a completed commit still needed. */
function describeSteps({ wroteFlagsFile, auditEntries, flagdOutputs }: PublishResult): string {
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const steps = [
    ...(wroteFlagsFile ? ['wrote flags.yaml'] : []),
    ...(auditEntries > 0 ? [`appended ${count(auditEntries, 'audit entry', 'audit entries')}`] : []),
    ...(flagdOutputs > 0 ? [`re-compiled ${count(flagdOutputs, 'flagd output', 'flagd outputs')}`] : []),
  ];
  return steps.length === 0 ? 'only the journal was left' : steps.join(', ');
}

function parseJournal(text: string): JournalEntry | undefined {
  try {
    const result = journalEntrySchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function removeJournal(files: StoreFiles, fence: () => void): void {
  fence();
  try {
    unlinkSync(files.journalFile);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw ioError(e, 'remove', files.journalFile);
  }
}

/** Whether a journal is waiting (a cheap check before taking the lock for {@link recoverJournal}). Never throws. */
export function hasJournal(files: StoreFiles): boolean {
  return existsSync(files.journalFile);
}

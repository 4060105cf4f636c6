/**
 * Tokens of a server on the file store: `.rollgate/secrets/tokens.json` (hashes only), in a directory only its owner
 * may enter (0700) and that `.rollgate/.gitignore` keeps out of git. Writes are atomic and serialized by an
 * exclusive lock file holding the writer's pid (a dead writer's lock is taken over at once), so two
 * `rollgate token` commands never lose each other's token.
 */
import { chmod, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { ioError, writeFileAtomic } from '../store/fs-util.ts';
import type { Identity } from './roles.ts';
import {
  authenticateToken,
  findTokenRecord,
  newToken,
  tokenIdOf,
  tokenRecordSchema,
  type TokenInput,
  type TokenRecord,
  type TokenStore,
} from './tokens.ts';

/** The directory of a store's secrets (gitignored). */
export const SECRETS_DIR = 'secrets';
const TOKENS_FILE = 'tokens.json';
/** How long a writer waits for another one's lock before giving up (token writes take milliseconds). */
const LOCK_WAIT_MS = 5_000;

const tokensFileSchema = z.object({ version: z.literal(1), tokens: z.array(tokenRecordSchema) }).strict();

export class FileTokenStore implements TokenStore {
  private readonly file: string;
  private readonly dir: string;

  /** `storeDir`: the `.rollgate/` directory. */
  constructor(storeDir: string) {
    this.dir = join(storeDir, SECRETS_DIR);
    this.file = join(this.dir, TOKENS_FILE);
  }

  async create(input: TokenInput, now: Date): Promise<{ record: TokenRecord; token: string }> {
    const created = newToken(input, now);
    await this.modify((records) => [...records, created.record]);
    return created;
  }

  async list(): Promise<TokenRecord[]> {
    return this.load();
  }

  async revoke(idOrName: string, now: Date): Promise<TokenRecord> {
    let revoked: TokenRecord | undefined;
    await this.modify((records) => {
      const target = findTokenRecord(records, idOrName);
      revoked = target.revokedAt ? target : { ...target, revokedAt: now.toISOString() };
      return records.map((r) => (r.id === target.id ? (revoked as TokenRecord) : r));
    });
    if (!revoked) throw new FlagError('GENERAL', 'The revocation did not run.');
    return revoked;
  }

  async authenticate(token: string, now: Date): Promise<Identity> {
    const id = tokenIdOf(token);
    return authenticateToken(
      (await this.load()).find((r) => r.id === id),
      token,
      now,
    );
  }

  private async load(): Promise<TokenRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, 'read', this.file);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new FlagError('PARSE_ERROR', `${this.file} is not valid JSON: ${(e as Error).message}`, {
        file: this.file,
        hint: 'Restore it from a backup, or move it aside and create the tokens again (rollgate token create).',
      });
    }
    const parsed = tokensFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FlagError('PARSE_ERROR', `${this.file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
        file: this.file,
        hint: 'It is written by rollgate token; restore it from a backup rather than editing it by hand.',
      });
    }
    return parsed.data.tokens;
  }

  /** Read, change and write under the lock. */
  private async modify(change: (records: TokenRecord[]) => TokenRecord[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
      throw ioError(e, 'create', this.dir);
    });
    // Security: the directory is the boundary (the atomic write creates files 0644 inside it).
    await chmod(this.dir, 0o700).catch((e: unknown) => {
      throw ioError(e, 'protect', this.dir);
    });
    const lock = `${this.file}.lock`;
    await acquire(lock);
    try {
      await writeFileAtomic(
        this.file,
        `${JSON.stringify({ version: 1, tokens: change(await this.load()) }, null, 2)}\n`,
      );
    } finally {
      await unlink(lock).catch(() => {});
    }
  }
}

/** Creates `lock` exclusively with our pid; takes it over when its writer's process is gone. Errors: STORE_CONFLICT. */
async function acquire(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, 'lock', lock);
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    // A lock without a live writer: its process died (or crashed before writing its pid, a second ago or more).
    const orphan =
      Number.isInteger(holder) && holder > 0
        ? !isAlive(holder)
        : Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now()) > 1_000;
    if (orphan) {
      await unlink(lock).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) {
      throw new FlagError(
        'STORE_CONFLICT',
        `${lock} has been held by process ${holder} for over ${LOCK_WAIT_MS / 1000}s.`,
        {
          file: lock,
          hint: 'Another rollgate token command is running; try again when it is done.',
        },
      );
    }
    await sleep(2 + Math.random() * 10);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SDK keys: read-only credentials of the server's delivery endpoints (flagd sync, OFREP, flagd JSON), one
 * environment each. Only a SHA-256 hash of each key is stored; the key itself is shown once, when it is created.
 * The file implementation keeps them in `.rollgate/sdk-keys.json` (gitignored, mode 0600, written atomically);
 * a database store can implement {@link SdkKeyStore} as well.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import { environmentKeySchema } from '../flags/model.ts';
import { ioError, writeFileAtomic } from './fs-util.ts';

/** Every SDK key starts with this, so secret scanners and people recognise one. */
export const SDK_KEY_PREFIX = 'rgsdk_';

const sdkKeyRecordSchema = z.object({
  id: z.string().regex(/^[a-f0-9]{12}$/),
  environment: environmentKeySchema,
  label: z.string().max(200).optional(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  /** The last 4 characters of the key, to tell keys apart in listings. */
  hint: z.string(),
  /** Hex SHA-256 of the whole key. */
  hash: z.string().regex(/^[a-f0-9]{64}$/),
});

const sdkKeyFileSchema = z.object({ version: z.literal(1), keys: z.array(sdkKeyRecordSchema) });

/** An SDK key as listings show it: never the key itself. */
export type SdkKey = Omit<z.infer<typeof sdkKeyRecordSchema>, 'hash'>;

/** A key just created: `secret` is the key, shown once and never stored. */
export interface CreatedSdkKey {
  readonly key: SdkKey;
  readonly secret: string;
}

/**
 * Where SDK keys live. Implementations store hashes only and never return or log a secret after `create`.
 * Errors: STORE_IO (storage unreachable), PARSE_ERROR (stored data unreadable), FLAG_NOT_FOUND (`revoke` of an
 * unknown id), INVALID_INPUT (bad environment or label).
 */
export interface SdkKeyStore {
  /** Human-readable location, e.g. `/repo/.rollgate/sdk-keys.json`. */
  readonly location: string;
  /** Creates a key for `environment`; the returned secret is the only copy. */
  create(input: { environment: string; label?: string; now: Date }): Promise<CreatedSdkKey>;
  /** Keys (revoked ones too), oldest first; only those of `environment` when given. */
  list(environment?: string): Promise<SdkKey[]>;
  /** Revokes key `id` (idempotent); returns it. */
  revoke(id: string, now: Date): Promise<SdkKey>;
  /** The active key whose secret is `secret`, or undefined (unknown, revoked, malformed). */
  verify(secret: string): Promise<SdkKey | undefined>;
  /** True when at least one key is active: the delivery endpoints then require a key. */
  hasActiveKeys(): Promise<boolean>;
}

/** Hex SHA-256 of an SDK key, the only form a store keeps. */
export function hashSdkKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new random SDK key: the prefix and 32 random bytes (base64url). */
export function generateSdkKey(): string {
  return `${SDK_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const SDK_KEYS_FILE = 'sdk-keys.json';
/** The `.rollgate/.gitignore` line that keeps the key file and its lock out of git (as `initStore` writes it). */
const GITIGNORE_LINE = `${SDK_KEYS_FILE}*`;

/** An SDK key as stored: the listing fields and the hash of the secret. */
export type SdkKeyRecord = z.infer<typeof sdkKeyRecordSchema>;

/** The listing form of a stored key (without its hash). */
export function publicKey({ hash: _hash, ...key }: SdkKeyRecord): SdkKey {
  return key;
}

/**
 * A new key for `input.environment`: the record to store and the secret to show once. Every {@link SdkKeyStore}
 * creates its keys here, so they look the same whatever stores them. Errors: INVALID_INPUT (bad environment key,
 * label over 200 characters).
 */
export function newSdkKeyRecord(input: { environment: string; label?: string; now: Date }): {
  record: SdkKeyRecord;
  secret: string;
} {
  const environment = environmentKeySchema.safeParse(input.environment);
  if (!environment.success) {
    throw new FlagError('INVALID_INPUT', `"${input.environment}" is not a valid environment key.`, {
      hint: 'Pass the key of a declared environment, e.g. --env production.',
    });
  }
  if (input.label !== undefined && input.label.length > 200) {
    throw new FlagError('INVALID_INPUT', 'The key label is longer than 200 characters.', {
      hint: 'Use a short label such as the name of the service that uses the key.',
    });
  }
  const secret = generateSdkKey();
  const record: SdkKeyRecord = {
    id: randomBytes(6).toString('hex'),
    environment: environment.data,
    ...(input.label === undefined ? {} : { label: input.label }),
    createdAt: input.now.toISOString(),
    hint: secret.slice(-4),
    hash: hashSdkKey(secret),
  };
  return { record, secret };
}

/** The error of revoking an id no store holds. */
export function unknownSdkKeyError(id: string): FlagError {
  return new FlagError('FLAG_NOT_FOUND', `No SDK key with id "${id}".`, {
    hint: 'Run `rollgate keys list` to see the ids.',
  });
}

/**
 * The active record whose secret is `secret` in `byHash`, or undefined. Security: lookup by hash, so response timing
 * says nothing about how much of a stored key matched.
 */
export function findActiveKey(byHash: ReadonlyMap<string, SdkKeyRecord>, secret: string): SdkKey | undefined {
  if (!secret.startsWith(SDK_KEY_PREFIX)) return undefined;
  const record = byHash.get(hashSdkKey(secret));
  return record === undefined || record.revokedAt !== undefined ? undefined : publicKey(record);
}

/** True when `records` holds a key that is not revoked. */
export function anyActiveKey(records: Iterable<SdkKeyRecord>): boolean {
  for (const record of records) if (record.revokedAt === undefined) return true;
  return false;
}

/** Options of the SDK key stores (files or PostgreSQL). */
export interface SdkKeyStoreOptions {
  /** How long `verify` trusts its copy of the keys before it checks the source again, in ms (default 1000). */
  readonly recheckMs?: number;
  /** Monotonic-enough clock for the recheck, in ms (default Date.now). */
  readonly clock?: () => number;
}

/**
 * The keys by hash, as every store's `verify` serves them: loaded again at most every `recheckMs`, and then only when
 * the source's stamp (when it has one: a file's inode, size and mtime) changed since the last load.
 */
export class KeyIndex {
  private readonly recheckMs: number;
  private readonly clock: () => number;
  private cache: { stamp: string | undefined; byHash: Map<string, SdkKeyRecord>; checkedAt: number } | undefined;

  constructor(options: SdkKeyStoreOptions) {
    this.recheckMs = options.recheckMs ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** Forgets the copy: the next {@link get} loads (after this process changed the keys). */
  invalidate(): void {
    this.cache = undefined;
  }

  async get(
    load: () => Promise<SdkKeyRecord[]>,
    stamp?: () => Promise<string>,
  ): Promise<ReadonlyMap<string, SdkKeyRecord>> {
    const now = this.clock();
    if (this.cache !== undefined && now - this.cache.checkedAt < this.recheckMs) return this.cache.byHash;
    const current = await stamp?.();
    if (this.cache !== undefined && current !== undefined && this.cache.stamp === current) {
      this.cache.checkedAt = now;
    } else {
      this.cache = { stamp: current, byHash: new Map((await load()).map((r) => [r.hash, r])), checkedAt: now };
    }
    return this.cache.byHash;
  }
}

/**
 * SDK keys in `<storeDir>/sdk-keys.json`. `create`/`revoke` hold a lock and rewrite the file atomically (0600);
 * `verify` serves from memory and re-reads the file when it changed (checked at most every `recheckMs`), so keys
 * created or revoked by another process take effect within about a second.
 */
export class FileSdkKeyStore implements SdkKeyStore {
  readonly location: string;
  private readonly storeDir: string;
  private readonly index: KeyIndex;

  /** `storeDir` is the `.rollgate` directory of a file store. */
  constructor(storeDir: string, options: SdkKeyStoreOptions = {}) {
    this.storeDir = storeDir;
    this.location = join(storeDir, SDK_KEYS_FILE);
    this.index = new KeyIndex(options);
  }

  async create(input: { environment: string; label?: string; now: Date }): Promise<CreatedSdkKey> {
    const { record, secret } = newSdkKeyRecord(input);
    await this.modify((keys) => [...keys, record]);
    return { key: publicKey(record), secret };
  }

  async list(environment?: string): Promise<SdkKey[]> {
    const keys = await this.readRecords();
    return keys.filter((k) => environment === undefined || k.environment === environment).map(publicKey);
  }

  async revoke(id: string, now: Date): Promise<SdkKey> {
    let revoked: SdkKeyRecord | undefined;
    await this.modify((keys) =>
      keys.map((k) => {
        if (k.id !== id) return k;
        revoked = k.revokedAt === undefined ? { ...k, revokedAt: now.toISOString() } : k;
        return revoked;
      }),
    );
    if (revoked === undefined) throw unknownSdkKeyError(id);
    return publicKey(revoked);
  }

  async verify(secret: string): Promise<SdkKey | undefined> {
    return findActiveKey(await this.keys(), secret);
  }

  async hasActiveKeys(): Promise<boolean> {
    return anyActiveKey((await this.keys()).values());
  }

  private keys(): Promise<ReadonlyMap<string, SdkKeyRecord>> {
    return this.index.get(
      () => this.readRecords(),
      () => this.stamp(),
    );
  }

  private async stamp(): Promise<string> {
    try {
      const s = await stat(this.location);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw ioError(e, 'read', this.location);
    }
  }

  private async readRecords(): Promise<SdkKeyRecord[]> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, 'read', this.location);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new FlagError(
        'PARSE_ERROR',
        `${this.location} is not valid JSON.`,
        { file: this.location, hint: 'Restore the file from a backup, or delete it and create new keys.' },
        { cause: e },
      );
    }
    const parsed = sdkKeyFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new FlagError('PARSE_ERROR', `${this.location} is not an SDK key file: ${parsed.error.message}`, {
        file: this.location,
        hint: 'Restore the file from a backup, or delete it and create new keys.',
      });
    }
    return parsed.data.keys;
  }

  /** Stores created before SDK keys existed lack the .gitignore line: add it before the first key is written. */
  private async ensureIgnored(): Promise<void> {
    const file = join(this.storeDir, '.gitignore');
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current.split(/\r?\n/).includes(GITIGNORE_LINE)) return;
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    await writeFileAtomic(file, `${current}${separator}${GITIGNORE_LINE}\n`);
  }

  private async modify(change: (keys: SdkKeyRecord[]) => SdkKeyRecord[]): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await lock(this.storeDir, {
        lockfilePath: `${this.location}.lock`,
        retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      });
    } catch (e) {
      throw ioError(e, 'lock', this.location);
    }
    try {
      await this.ensureIgnored();
      const keys = change(await this.readRecords());
      // Security: hashes only, readable by the owner only.
      await writeFileAtomic(this.location, `${JSON.stringify({ version: 1, keys }, undefined, 2)}\n`, { mode: 0o600 });
      this.index.invalidate();
    } finally {
      await release();
    }
  }
}

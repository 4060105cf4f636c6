/**
 * API tokens of team mode: personal, service and assistant tokens with a role per environment, an optional expiry,
 * revocable. A token is 32 random bytes shown once at creation (`rgt_<id>_<secret>`); stores keep only its SHA-256
 * (a fast hash is right for high-entropy secrets: nothing to brute-force), so a leaked store leaks no credential.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { FlagError } from '../errors.ts';
import {
  IDENTITY_KINDS,
  checkGrants,
  roleGrantsSchema,
  type Identity,
  type IdentityKind,
  type RoleGrants,
} from './roles.ts';

const TOKEN_PATTERN = /^rgt_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** A stored token: everything but the secret. */
export const tokenRecordSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]{12}$/),
    name: z.string().trim().min(1).max(100),
    kind: z.enum(IDENTITY_KINDS),
    roles: roleGrantsSchema,
    /** SHA-256 of the whole token, hex. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.iso.datetime(),
    createdBy: z.string().min(1).max(200),
    expiresAt: z.iso.datetime().optional(),
    revokedAt: z.iso.datetime().optional(),
  })
  .strict();
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** What creating a token takes. */
export interface TokenInput {
  /** Who or what holds it: `alice`, `ci`, `cursor-alice`; the audit log's actor. */
  readonly name: string;
  readonly kind: IdentityKind;
  readonly roles: RoleGrants;
  readonly createdBy: string;
  readonly expiresAt?: Date;
}

/** Where tokens are kept: `.rollgate/secrets/tokens.json` next to a file store, a table in PostgreSQL. */
export interface TokenStore {
  /** Creates a token; the returned `token` is the only time the secret exists outside its holder. */
  create(input: TokenInput, now: Date): Promise<{ record: TokenRecord; token: string }>;
  list(): Promise<TokenRecord[]>;
  /** Revokes by id (or by name when unique). Errors: FLAG_NOT_FOUND, INVALID_INPUT (ambiguous name). */
  revoke(idOrName: string, now: Date): Promise<TokenRecord>;
  /** The identity of `token`. Errors: UNAUTHENTICATED (unknown, malformed, expired, revoked). */
  authenticate(token: string, now: Date): Promise<Identity>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token and its record. Errors: INVALID_INPUT (bad name or roles, an assistant with approver rights). */
export function newToken(input: TokenInput, now: Date): { record: TokenRecord; token: string } {
  checkGrants(input.kind, input.roles);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new FlagError('INVALID_INPUT', `The expiry ${input.expiresAt.toISOString()} is in the past.`, {
      hint: 'Pass a future date or a duration, e.g. --expires 90d.',
    });
  }
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const token = `rgt_${id}_${randomBytes(32).toString('base64url')}`;
  const parsed = tokenRecordSchema.safeParse({
    id,
    name: input.name,
    kind: input.kind,
    roles: input.roles,
    hash: hashToken(token),
    createdAt: now.toISOString(),
    createdBy: input.createdBy,
    ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}),
  });
  if (!parsed.success) {
    throw new FlagError(
      'INVALID_INPUT',
      `Invalid token: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
      {
        hint: 'Give a name (1–100 characters) and roles per environment, e.g. production=viewer,staging=editor.',
      },
    );
  }
  return { record: parsed.data, token };
}

const UNAUTHENTICATED_HINT = 'Set ROLLGATE_TOKEN to a valid token (rollgate token create, on the server, by an admin).';

/** The id part of `token` (`rgt_<id>_<secret>`), by which a store looks up its record; undefined when malformed. */
export function tokenIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token.trim())?.[1];
}

/**
 * The identity `token` stands for, given `record`: the stored record of its id ({@link tokenIdOf}), undefined when
 * there is none. Errors: UNAUTHENTICATED, saying why when the token is known (expired, revoked) and nothing more when
 * it is not.
 */
export function authenticateToken(record: TokenRecord | undefined, token: string, now: Date): Identity {
  const presented = Buffer.from(hashToken(token.trim()), 'hex');
  // Security: compare hashes in constant time, so response timing reveals nothing about a stored hash.
  if (!record || record.id !== tokenIdOf(token) || !timingSafeEqual(presented, Buffer.from(record.hash, 'hex'))) {
    throw new FlagError('UNAUTHENTICATED', 'The token is not valid.', { hint: UNAUTHENTICATED_HINT });
  }
  if (record.revokedAt) {
    throw new FlagError('UNAUTHENTICATED', `The token "${record.name}" was revoked at ${record.revokedAt}.`, {
      hint: UNAUTHENTICATED_HINT,
    });
  }
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) {
    throw new FlagError('UNAUTHENTICATED', `The token "${record.name}" expired at ${record.expiresAt}.`, {
      hint: UNAUTHENTICATED_HINT,
    });
  }
  return { id: record.id, name: record.name, kind: record.kind, roles: record.roles };
}

/** The record `idOrName` designates among `records`. Errors: FLAG_NOT_FOUND, INVALID_INPUT (ambiguous name). */
export function findTokenRecord(records: readonly TokenRecord[], idOrName: string): TokenRecord {
  const byId = records.find((r) => r.id === idOrName);
  if (byId) return byId;
  const byName = records.filter((r) => r.name === idOrName && !r.revokedAt);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) {
    throw new FlagError('INVALID_INPUT', `${byName.length} active tokens are named "${idOrName}".`, {
      hint: `Revoke by id: ${byName.map((r) => r.id).join(', ')}.`,
    });
  }
  throw new FlagError('FLAG_NOT_FOUND', `No token "${idOrName}".`, { hint: 'List them with rollgate token list.' });
}

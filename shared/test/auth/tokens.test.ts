// FileTokenStore: the TokenStore contract, then what only the file does (its directory's mode, an unreadable file).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '../../src/auth/file-token-store.ts';
import { NOW, rejectsWith, tokenStoreContract } from './token-contract.ts';

tokenStoreContract('FileTokenStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-tokens-'));
  return {
    tokens: new FileTokenStore(dir),
    open: () => Promise.resolve(new FileTokenStore(dir)),
    stored: () => readFile(join(dir, 'secrets', 'tokens.json'), 'utf8'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

async function withDir(fn: (tokens: FileTokenStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-tokens-'));
  try {
    await fn(new FileTokenStore(dir), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('FileTokenStore', () => {
  it('keeps its file in a directory only the owner enters', async () => {
    await withDir(async (tokens, dir) => {
      await tokens.create({ name: 'alice', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' }, NOW);
      assert.equal((await stat(join(dir, 'secrets'))).mode & 0o777, 0o700);
    });
  });

  it('refuses an unreadable tokens file without overwriting it', async () => {
    await withDir(async (tokens, dir) => {
      await tokens.create({ name: 'a', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' }, NOW);
      const file = join(dir, 'secrets', 'tokens.json');
      await writeFile(file, '{"version":1,"tokens":[{"id":"x"}]');
      await assert.rejects(
        tokens.create({ name: 'b', kind: 'person', roles: { '*': 'viewer' }, createdBy: 'admin' }, NOW),
        rejectsWith('PARSE_ERROR', /not valid JSON/),
      );
      assert.equal(await readFile(file, 'utf8'), '{"version":1,"tokens":[{"id":"x"}]');
    });
  });
});

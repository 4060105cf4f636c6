// The MCP server on a store that needs a human (a misspelled field in flags.yaml) or that a crash left
// half-written: a tool error that names the place and the fix, and the repair told once in the next reply.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagEnabled } from '@rollgate/shared/flags';
import { leaveCrashedCommit } from '../../shared/test/store/crash.ts';
import { LazyFileStore } from '../src/lazy-store.ts';
import { NOW, call, callOk, connect, seededStore, textOf } from './helpers.ts';

describe('MCP server and the state of the store file', () => {
  it('a misspelled field is a tool error with file:line:column and a did-you-mean; writes leave the file alone', async () => {
    await using fixture = await seededStore();
    await using session = await connect(fixture.store);
    const file = join(fixture.root, '.rollgate', 'flags.yaml');
    const misspelled = readFileSync(file, 'utf8').replace(/( +)enabled: true\n/, '$1enabeld: true\n');
    writeFileSync(file, misspelled);
    const line = misspelled.split('\n').findIndex((l) => l.includes('enabeld')) + 1;

    const read = await call(session.client, 'get-flag', { key: 'new-checkout' });
    assert.equal(read.isError, true);
    assert.match(
      textOf(read),
      new RegExp(`flags\\.yaml:${line}:\\d+: flags\\[0\\]\\.environments\\.development\\.enabeld`),
    );
    assert.match(textOf(read), /unknown field "enabeld"\. Did you mean "enabled"\?.*Rename "enabeld" to "enabled"/s);
    const write = await call(session.client, 'toggle-flag', {
      key: 'new-checkout',
      environment: 'staging',
      enabled: false,
    });
    assert.equal(write.isError, true);
    assert.match(textOf(write), /Did you mean "enabled"\?/);
    assert.equal(readFileSync(file, 'utf8'), misspelled, 'the file is left for the human to fix');
  });

  it('tells the repair of a crashed writer once, in the next tool reply, for a store opened after the crash', async () => {
    await using fixture = await seededStore();
    fixture.store.dispose();
    const context = { actor: 'cli:crashed', now: () => NOW };
    const revision = await leaveCrashedCommit(
      fixture.root,
      setFlagEnabled('old-banner', 'production', false),
      context,
      'decided',
    );
    // As main.ts serves it: the lazy store opens .rollgate/ on the first call.
    const store = new LazyFileStore(fixture.root);
    await using session = await connect(store);
    const first = await call(session.client, 'list-flags');
    assert.equal(first.isError, undefined);
    const text = textOf(first);
    assert.match(text, /Note: the flag store was repaired after a crash\. Recovered the store lock/);
    assert.match(
      text,
      new RegExp(
        `Note: the flag store was repaired after a crash\\. Completed revision ${revision} \\(flag\\.toggle by cli:crashed`,
      ),
    );
    const second = await call(session.client, 'list-flags');
    assert.doesNotMatch(textOf(second), /repaired/, 'told once');
    const { flag } = await callOk<{ flag: { environments: Record<string, { enabled: boolean }> } }>(
      session.client,
      'get-flag',
      { key: 'old-banner' },
    );
    assert.equal(flag.environments.production?.enabled, false, 'the interrupted change was completed');
    store.dispose();
  });
});

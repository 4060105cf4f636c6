import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callOk, connect, seededStore } from './helpers.ts';

const CHECKOUT = `import { OpenFeature } from '@openfeature/server-sdk';

const client = OpenFeature.getClient();

export async function checkoutPage(): Promise<string> {
  if (await client.getBooleanValue('new-checkout', false)) {
    return 'new';
  }
  return 'old';
}

export async function bannerColour(): Promise<string> {
  return client.getStringValue('old-banner', 'blue');
}

export async function typo(): Promise<boolean> {
  return client.getBooleanValue('new-chekout', false);
}
`;

interface Reference {
  key?: string;
  file: string;
  line: number;
  method: string;
  enclosingSymbol?: string;
}

describe('code tools (scanner loaded lazily)', () => {
  it('find references, explain stale flags, and clean a flag out of the code', async () => {
    await using fixture = await seededStore();
    mkdirSync(join(fixture.root, 'src'));
    writeFileSync(join(fixture.root, 'src', 'checkout.ts'), CHECKOUT);
    await using session = await connect(fixture.store);
    const { client } = session;

    const found = await callOk<{ references: Reference[] }>(client, 'find-flag-references', { key: 'new-checkout' });
    assert.deepEqual(
      found.references.map((r) => [r.file, r.line, r.method, r.enclosingSymbol]),
      [['src/checkout.ts', 6, 'getBooleanValue', 'checkoutPage']],
    );

    const stale = await callOk<{ flags: { key: string; reasons: { code: string }[] }[] }>(client, 'detect-stale-flags');
    const codes = Object.fromEntries(stale.flags.map((f) => [f.key, f.reasons.map((r) => r.code)]));
    assert.ok(codes['new-chekout']?.includes('UNKNOWN_KEY'), JSON.stringify(codes));
    assert.ok(codes['old-banner']?.includes('OLDER_THAN_LIFETIME'), JSON.stringify(codes));

    const preview = await callOk<{ files: { file: string; diff: string }[]; applied: boolean }>(
      client,
      'cleanup-flag',
      {
        key: 'old-banner',
        keep: 'green',
      },
    );
    assert.equal(preview.applied, false);
    assert.equal(preview.files[0]?.file, 'src/checkout.ts');
    assert.match(
      preview.files[0]?.diff ?? '',
      /-\s+return client\.getStringValue\('old-banner', 'blue'\);\n\+\s+return 'green';/,
    );
    assert.equal(readFileSync(join(fixture.root, 'src', 'checkout.ts'), 'utf8'), CHECKOUT, 'a preview writes nothing');

    const applied = await callOk<{ written: string[]; applied: boolean }>(client, 'cleanup-flag', {
      key: 'old-banner',
      keep: 'green',
      apply: true,
    });
    assert.deepEqual(applied.written, ['src/checkout.ts']);
    const after = readFileSync(join(fixture.root, 'src', 'checkout.ts'), 'utf8');
    assert.doesNotMatch(after, /old-banner/);
    assert.match(after, /getBooleanValue\('new-checkout', false\)/);
  });
});

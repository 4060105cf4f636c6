// The settings the extension declares stay in step with the code behind them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_PRESETS } from '@rollgate/shared/scanner/types';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { items?: { enum?: string[] } }> } };
};

describe('rollgate.scanner.presets', () => {
  it('offers every preset the scanner has in the manifest (the typed settings read the same list)', () => {
    const declared = manifest.contributes.configuration.properties['rollgate.scanner.presets']?.items?.enum;
    assert.deepEqual([...(declared ?? [])].sort(), [...SDK_PRESETS].sort());
  });
});

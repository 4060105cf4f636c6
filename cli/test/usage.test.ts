import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FileUsageStore } from '@rollgate/shared/telemetry/usage-store';
import { usageOnDay } from '../../shared/test/support/usage.ts';
import { ensureBuilt, rollgate, rollgateJson, tempDir } from './helpers.ts';

describe('rollgate usage', () => {
  before(() => ensureBuilt());

  it('shows counts per environment and variant, and the usage stale signal', async () => {
    using dir = tempDir();
    rollgateJson(dir.path, ['init']);
    rollgateJson(dir.path, ['create', 'new-checkout']);
    const entry = (day: string, variant: string, count: number, environment = 'production') =>
      usageOnDay('new-checkout', day, variant, count, { environment, sdk: 'openfeature-js' });
    // The CLI's clock is 2026-11-25 (helpers NOW): production was last evaluated 34 days before.
    await new FileUsageStore(join(dir.path, '.rollgate', 'usage')).add({
      batchId: 'batch-cli-1',
      entries: [entry('2026-10-20', 'on', 5), entry('2026-10-22', 'off', 2), entry('2026-11-24', 'on', 9, 'staging')],
    });
    const json = rollgateJson<{
      environments: { environment: string; total: number }[];
      signals: { message: string }[];
    }>(dir.path, ['usage', 'new-checkout']);
    assert.deepEqual(
      json.environments.map((e) => [e.environment, e.total]),
      [
        ['production', 7],
        ['staging', 9],
      ],
    );
    assert.deepEqual(
      json.signals.map((s) => s.message),
      ['not evaluated in production for 34 days'],
    );
    const text = rollgate(dir.path, ['usage', 'new-checkout', '--days', '7']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^staging: 9 evaluations \(on 9\)/m);
    assert.doesNotMatch(text.stdout, /^production:/m);
    const unknown = rollgate(dir.path, ['usage', 'no-such-flag']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /no-such-flag/);
  });
});

/**
 * The size of the tools/list reply of the built server over stdio (issue 12: it sits in the model's context for the
 * whole session; at most 25 KB), and that the compact published schemas still say what a model needs.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBuilt, seededStore, stdioClient } from './helpers.ts';

/** The budget of the JSON `result` of tools/list, in bytes. */
const TOOLS_LIST_BUDGET = 25_000;

describe('tools/list of the built server', () => {
  before(() => ensureBuilt('mcp'));

  it(`stays within ${TOOLS_LIST_BUDGET} bytes and keeps limits, enums and required fields`, async () => {
    await using fixture = await seededStore();
    const client = await stdioClient(fixture.root);
    try {
      const listed = await client.listTools();
      const bytes = Buffer.byteLength(JSON.stringify(listed));
      const largest = listed.tools
        .map((t) => `${t.name} ${Buffer.byteLength(JSON.stringify(t))}`)
        .sort((a, b) => Number(b.split(' ')[1]) - Number(a.split(' ')[1]))
        .slice(0, 5);
      assert.ok(bytes <= TOOLS_LIST_BUDGET, `tools/list is ${bytes} bytes; largest tools: ${largest.join(', ')}`);

      const text = JSON.stringify(listed);
      assert.ok(!text.includes('"$schema"') && !text.includes('"pattern"'), 'validator-only keywords are left out');
      const byName = new Map(listed.tools.map((t) => [t.name, t]));
      const reason = byName.get('toggle-flag')?.inputSchema.properties?.reason as { maxLength?: number } | undefined;
      assert.equal(reason?.maxLength, 500, 'limits stay in the schema');
      assert.deepEqual(byName.get('toggle-flag')?.inputSchema.required, ['key', 'enabled']);
      assert.match(
        JSON.stringify(byName.get('set-targeting')?.inputSchema),
        /"semver_gte".*"segment"|"segment".*"semver_gte"/,
      );

      // The full zod schemas still validate calls: a key the published schema no longer constrains is refused.
      const refused = await client.callTool({
        name: 'toggle-flag',
        arguments: { key: 'new-checkout', environment: 'Prod!', enabled: false },
      });
      assert.equal(refused.isError, true);
      // And the compact output schema still validates a real result in the SDK client.
      const got = await client.callTool({ name: 'list-environments', arguments: {} });
      assert.notEqual(got.isError, true);
    } finally {
      await client.close();
    }
  });
});

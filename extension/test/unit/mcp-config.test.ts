import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { launcherSource, mcpServerName, mergeMcpServer } from '../../src/logic/mcp-config.ts';

const execFileAsync = promisify(execFile);

describe('MCP launcher', () => {
  it('starts the server it points at with the arguments it was given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-launcher-'));
    try {
      const server = join(dir, 'server.mjs');
      await writeFile(server, 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
      const launcher = join(dir, 'rollgate-mcp.mjs');
      await writeFile(launcher, launcherSource(pathToFileURL(server).href, '9.9.9'));
      const { stdout } = await execFileAsync(process.execPath, [launcher, '--store', '/repo']);
      assert.deepEqual(JSON.parse(stdout), ['--store', '/repo']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names servers per folder and keeps the other servers of a config', () => {
    assert.equal(mcpServerName('My Shop (web)'), 'rollgate-my-shop-web');
    assert.equal(mcpServerName('???'), 'rollgate');
    const merged = JSON.parse(
      mergeMcpServer('{"mcpServers":{"other":{"command":"x"}}}', 'rollgate-a', { command: 'c', args: [] }, 'f'),
    ) as { mcpServers: Record<string, unknown> };
    assert.deepEqual(Object.keys(merged.mcpServers), ['other', 'rollgate-a']);
  });
});

/**
 * Editing MCP client config files (Cursor `.cursor/mcp.json`, Claude Desktop `claude_desktop_config.json`):
 * add or replace one server under `mcpServers`, keep everything else, never rewrite a file we cannot parse.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FlagError } from '@rollgate/shared/errors';

export interface McpServerEntry {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Returns `existing` (the file's text, or undefined when there is no file) with `mcpServers[name]` set to `entry`.
 * Errors: PARSE_ERROR when the text is not a JSON object (the caller must not write the file then).
 */
export function mergeMcpServer(
  existing: string | undefined,
  name: string,
  entry: McpServerEntry,
  file: string,
): string {
  let config: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (e) {
      throw new FlagError(
        'PARSE_ERROR',
        `${file} is not valid JSON, so Rollgate did not change it.`,
        {
          file,
          hint: 'Fix the JSON (or remove the file) and run the command again.',
        },
        { cause: e },
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new FlagError('PARSE_ERROR', `${file} does not hold a JSON object, so Rollgate did not change it.`, {
        file,
      });
    }
    config = parsed as Record<string, unknown>;
  }
  const servers = config.mcpServers;
  const nextServers = typeof servers === 'object' && servers !== null && !Array.isArray(servers) ? { ...servers } : {};
  return `${JSON.stringify({ ...config, mcpServers: { ...nextServers, [name]: entry } }, null, 2)}\n`;
}

/** Where Claude Desktop keeps its config on this platform. */
export function claudeDesktopConfigPath(platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'darwin') {
    return join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  }
  if (platform === 'win32') {
    return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  }
  return join(home, '.config', 'Claude', 'claude_desktop_config.json');
}

/**
 * The launcher the extension keeps at a fixed path (rewritten on every activation): MCP client configs point at it,
 * so they keep working when the extension updates and its versioned install folder changes.
 */
export function launcherSource(serverUrl: string, version: string): string {
  return [
    `// Rollgate MCP server launcher, rewritten by the Rollgate extension ${version} on every activation; do not edit.`,
    '// MCP client configs run this file, so they survive extension updates; it starts the installed server.',
    `await import(${JSON.stringify(serverUrl)});`,
    '',
  ].join('\n');
}

/** Where a client keeps its user-level MCP config (Cursor: `~/.cursor/mcp.json`). */
export function cursorUserConfigPath(home = homedir()): string {
  return join(home, '.cursor', 'mcp.json');
}

/** A server name per store folder, so several workspaces can each have their entry in one user-level file. */
export function mcpServerName(folderName: string): string {
  const slug = folderName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug ? `rollgate-${slug}` : 'rollgate';
}

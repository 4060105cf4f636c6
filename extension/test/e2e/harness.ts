/**
 * End-to-end harness: a real VS Code workbench and extension host (code-server, installed from the npm registry by
 * scripts/install-code-server.sh) driven through Debian's Chromium with playwright-core. Used where
 * @vscode/test-electron cannot download VS Code (no internet beyond the npm registry).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const execFileAsync = promisify(execFile);
const extensionRoot = join(import.meta.dirname, '..', '..');
/** Screenshots and logs of e2e runs, kept for CI artifacts. */
export const ARTIFACTS_DIR = join(extensionRoot, '..', '.test-artifacts', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs (once per machine) and returns the code-server package directory. */
export async function installCodeServer(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [join(extensionRoot, 'scripts', 'install-code-server.sh')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const dir = stdout.trim().split('\n').pop() ?? '';
  return join(dir, 'node_modules', 'code-server');
}

export interface CodeServer {
  readonly url: string;
  readonly log: () => string;
  /** The HOME of the code-server process (a temporary folder: user-level files the extension writes land here). */
  readonly home: string;
  /** The text of the workbench's log files whose name ends with `suffix` (e.g. an output channel: `Rollgate.log`). */
  readLogs(suffix: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts code-server on a free loopback port with `vsix` installed and `settings` as user settings. */
export async function startCodeServer(options: {
  codeServerDir: string;
  vsix: string;
  settings?: Record<string, unknown>;
}): Promise<CodeServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rollgate-cs-'));
  const userDataDir = join(dataDir, 'user-data');
  const extensionsDir = join(dataDir, 'extensions');
  const home = join(dataDir, 'home');
  await mkdir(join(userDataDir, 'User'), { recursive: true });
  await mkdir(home);
  await writeFile(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      ...options.settings,
    }),
  );
  const entry = join(options.codeServerDir, 'out', 'node', 'entry.js');
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry'];
  await execFileAsync(process.execPath, [entry, ...common, '--install-extension', options.vsix]);
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [entry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-workspace-trust'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home } },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not become healthy in 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    log: () => output,
    home,
    async readLogs(suffix) {
      const logs = join(userDataDir, 'logs');
      const names = (await readdir(logs, { recursive: true })).filter((n) => n.endsWith(suffix));
      return (await Promise.all(names.map((n) => readFile(join(logs, n), 'utf8')))).join('\n');
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Workbench {
  readonly page: Page;
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Opens `folder` in the workbench served at `url` and waits until the workbench is up. */
export async function openWorkbench(url: string, folder: string): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  return { page, browser, close: () => browser.close() };
}

/**
 * Presses `key` until the quick input opens and takes `text`, and returns its text box: on a loaded machine a key
 * press can land while focus is still elsewhere (a webview, a notification), or the box can close again at once.
 */
async function fillQuickInput(page: Page, key: string, text: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await input.fill(text, { timeout: 5_000 });
      return input;
    } catch (e) {
      if (attempt >= 6) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** Runs a command by its palette title (e.g. `Rollgate: Scan Workspace`). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await fillQuickInput(page, 'F1', `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Picks the quick-pick item whose label contains `label`. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/** Types into an open input box and confirms. */
export async function answerInputBox(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/**
 * Opens a file via Quick Open by its absolute path: Quick Open resolves absolute paths directly, whereas a relative
 * name waits for the workspace file search, which can take longer than a test's patience on a loaded machine.
 */
export async function openFile(page: Page, absolutePath: string): Promise<void> {
  const name = absolutePath.split(/[\\/]/).pop() ?? absolutePath;
  await fillQuickInput(page, 'Control+P', absolutePath);
  // The focused row is the one Enter opens: wait until it is the file asked for.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** Moves the cursor of the active editor to a 1-based line and column (Go to Line), immune to layout shifts. */
export async function goToLine(page: Page, line: number, column: number): Promise<void> {
  const input = await fillQuickInput(page, 'Control+G', `:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Saves a screenshot to the e2e artifacts folder and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

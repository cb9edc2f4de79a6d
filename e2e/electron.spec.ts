import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { writeE2eAgent } from './helpers/agents';
import { removeBottles } from './helpers/docker';
import { approveAndResume, makeProject, projectsDir, shooter, startFromUi } from './helpers/flows';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const REPO = join(import.meta.dirname, '..');

/**
 * The Electron binary, if this machine has one: ELECTRON_PATH, or the one `npx install-electron`
 * (our postinstall) fetched. Read from the package's path.txt, never by loading `electron`: from
 * Electron 42 on, requiring it under Node starts a download.
 */
function electronBinary(): string | null {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : null;
  const packageDir = join(REPO, 'node_modules', 'electron');
  try {
    const binary = join(packageDir, 'dist', readFileSync(join(packageDir, 'path.txt'), 'utf8'));
    return existsSync(binary) ? binary : null;
  } catch {
    // No path.txt: the binary was never fetched (ELECTRON_SKIP_BINARY_DOWNLOAD).
    return null;
  }
}

const binary = electronBinary();
const builtMain = join(REPO, 'out', 'main', 'index.js');

test.describe('desktop app (Electron)', () => {
  test.skip(
    binary === null,
    'no Electron binary on this machine (it cannot be downloaded here; the built main process is driven with a stand-in by test/electron instead); run `npx install-electron` or set ELECTRON_PATH to run this spec',
  );
  test.skip(!existsSync(builtMain), 'the app is not built; run `npm run build` first');

  let home = '';
  let app: ElectronApplication | null = null;
  const started: string[] = [];

  test.beforeAll(async () => {
    home = await createE2eHome('claude-bottle-electron-e2e-');
    await writeE2eAgent(home);
  });

  test.afterAll(async () => {
    await app?.close();
    await removeBottles(started);
    await rm(projectsDir(home), { recursive: true, force: true });
    await removeE2eHome(home);
  });

  test('start, approve & resume, terminal — through the desktop window', async () => {
    app = await electron.launch({
      executablePath: binary ?? undefined,
      args: [REPO, '--no-sandbox'],
      env: { ...process.env, CLAUDE_BOTTLE_HOME: home } as Record<string, string>,
    });
    const page = await app.firstWindow();
    // The preload, not the browser client, must provide the API, with the sandbox on.
    expect(await page.evaluate(() => (globalThis as unknown as { claudeBottle: { mode: string } }).claudeBottle.mode)).toBe('electron');
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Choose folder…' })).toBeVisible();

    const reason = 'needs the e2e tool in the desktop app';
    const identity = await startFromUi(page, await makeProject(home, 'electron-approve', reason));
    started.push(identity);
    await approveAndResume(page, identity, reason, shooter(page, 'electron-'));
  });
});

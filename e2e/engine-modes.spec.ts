import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { cannotRunSecondEngineReason, ensureSecondEngine } from '../test/helpers/second-engine';
import { writeE2eAgent } from './helpers/agents';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { openStartPanel } from './helpers/app-page';

/*
 * The start panel on a remote engine: Mounted is refused by the rule the core enforces, and the
 * panel says why instead of switching to a copy silently. Starts no bottle and leaves the second
 * engine running (engines.spec.ts covers starting there, and its going offline).
 */

const cannot = cannotRunSecondEngineReason();
let home = '';
let dockerConfig = '';
let serve: ServeProcess | null = null;

test.skip(cannot !== null && process.env.CI !== 'true', `needs a second dockerd: ${cannot ?? ''}`);

test.beforeAll(async () => {
  const engine = await ensureSecondEngine();
  home = await createE2eHome('claude-bottle-e2e-engine-modes-');
  dockerConfig = await mkdtemp(join(tmpdir(), 'claude-bottle-e2e-docker-config-'));
  const { tls } = engine;
  execFileSync(
    'docker',
    [
      '--config',
      dockerConfig,
      'context',
      'create',
      'build-box',
      '--description',
      'the second test engine',
      '--docker',
      `host=${engine.tcpHost},ca=${tls.ca},cert=${tls.cert},key=${tls.key}`,
    ],
    { stdio: 'ignore' },
  );
  await writeE2eAgent(home);
  serve = await startServe(home, { DOCKER_CONFIG: dockerConfig });
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
  await rm(dockerConfig, { recursive: true, force: true });
});

test('a remote engine shows Mounted disabled and says why; the local one offers both', async ({ page }) => {
  await page.goto(serve?.url ?? '');
  await openStartPanel(page);
  const picker = page.getByTestId('engine-select');
  await expect(picker).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeEnabled();
  await expect(page.getByTestId('mode-note')).toHaveCount(0);

  await picker.selectOption('build-box');
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'Copied' })).toBeChecked();
  // The core's own words, from the shared rule: the refusal `claude-bottle start` prints too.
  await expect(page.getByTestId('mode-note')).toHaveText(
    'Mounted is off: mount mode needs the project folder on the engine\'s own machine, and engine "build-box" is reached over tcp. This bottle works on a copy of the folder.',
  );
  await screenshot(page, '42-engine-mode-note');

  await picker.selectOption('default');
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeEnabled();
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeChecked();
  await expect(page.getByTestId('mode-note')).toHaveCount(0);
});

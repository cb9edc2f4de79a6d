import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ensureTestBaseImage } from '../test/helpers/busybox-image';
import { ensureTestNodeBaseImage } from '../test/helpers/node-base-image';
import {
  cannotRunSecondEngineReason,
  ensureSecondEngine,
  secondEngineDocker,
  startSecondEngine,
  stopSecondEngine,
} from '../test/helpers/second-engine';
import { writeE2eAgent } from './helpers/agents';
import { card, expectStatus, openStartPanel } from './helpers/app-page';
import { makeProject } from './helpers/flows';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const cannot = cannotRunSecondEngineReason();
let home = '';
let dockerConfig = '';
let serve: ServeProcess | null = null;

test.skip(cannot !== null && process.env.CI !== 'true', `needs a second dockerd: ${cannot ?? ''}`);

test.beforeAll(async () => {
  const engine = await ensureSecondEngine();
  await ensureTestBaseImage(secondEngineDocker());
  await ensureTestNodeBaseImage(secondEngineDocker());
  home = await createE2eHome('claude-bottle-e2e-engines-');
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
  await startSecondEngine();
  const docker = secondEngineDocker();
  for (const info of await docker.listContainers({ all: true, filters: { label: ['claude-bottle.managed=true'] } })) {
    if (info.Names.some((name) => name.includes('e2e-agent'))) await docker.getContainer(info.Id).remove({ force: true });
  }
  await removeE2eHome(home);
  await rm(dockerConfig, { recursive: true, force: true });
});

test('pick an engine: the bottle starts there in copy mode, shows it, and goes offline with it', async ({ page }) => {
  await page.goto(serve?.url ?? '');
  await openStartPanel(page);
  const picker = page.getByTestId('engine-select');
  await expect(picker).toBeVisible({ timeout: 20_000 });
  await expect(picker.locator('option')).toHaveText(['default (current)', 'build-box (remote)']);
  await picker.selectOption('build-box');
  // A remote engine cannot mount this machine's folders.
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'Copied' })).toBeChecked();
  await screenshot(page, '30-engine-picker');

  await page.getByTestId('folder-input').fill(await makeProject(home, 'remote-work', null));
  await page.getByTestId('agent-select').selectOption('e2e-agent');
  await page.getByTestId('start-button').click();
  // Other suites' containers may share the engines (orphans to this state folder): ours is the
  // e2e agent's bottle that has a state folder here.
  const ours = page.locator('[data-testid="bottle-card"][data-identity^="e2e-agent-"]:not(.card-orphan)');
  await expect(ours).toHaveCount(1, { timeout: 120_000 });
  const identity = (await ours.getAttribute('data-identity')) ?? '';
  await expectStatus(page, identity, 'running', 120_000);
  await expect(card(page, identity).getByTestId('card-engine')).toHaveText('on build-box');
  expect((await secondEngineDocker().listContainers({ filters: { label: [`claude-bottle.identity=${identity}`] } })).length).toBe(1);

  await stopSecondEngine();
  await expectStatus(page, identity, 'engine-offline', 30_000);
  await expect(page.getByTestId('offline-engines-chip')).toHaveText('Engine build-box offline');
  await screenshot(page, '31-engine-offline-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, '31-engine-offline-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await startSecondEngine();
  await expectStatus(page, identity, 'exited', 60_000);
  await expect(page.getByTestId('offline-engines-chip')).toHaveCount(0);
  await card(page, identity).getByRole('button', { name: 'Resume', exact: true }).click();
  await expectStatus(page, identity, 'running', 90_000);
  await screenshot(page, '32-engine-back');
});

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeE2eAgent } from './helpers/agents';
import { card, expectStatus } from './helpers/app-page';
import { containerId, docker, removeBottles } from './helpers/docker';
import { startEngineProxy, type EngineProxy } from './helpers/engine-proxy';
import { makeProject, projectsDir, startFromUi } from './helpers/flows';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

let home = '';
let serve: ServeProcess;
let proxy: EngineProxy;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-engine-');
  await writeE2eAgent(home);
  proxy = await startEngineProxy(join(home, 'engine.sock'));
  serve = await startServe(home, { DOCKER_HOST: proxy.host });
});

test.afterAll(async () => {
  await serve?.stop();
  await proxy?.down();
  await removeBottles(started);
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

test('Docker stops mid-session: banner, the list stays; Docker back: cards live again', async ({ page }) => {
  await page.goto(serve.url);
  const identity = await startFromUi(page, await makeProject(home, 'engine-restart', null));
  started.push(identity);
  await expectStatus(page, identity, 'running', 90_000);

  await proxy.down();
  await expect(page.getByTestId('engine-banner')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('engine-chip')).toContainText('Docker not running');
  await expect(card(page, identity)).toBeVisible();
  await screenshot(page, '18-docker-stopped-mid-session');

  await proxy.up();
  await expect(page.getByTestId('engine-banner')).toBeHidden({ timeout: 30_000 });
  await expectStatus(page, identity, 'running', 30_000);
  await screenshot(page, '19-docker-back');

  // Live again: a container stopped by hand shows on the card, pushed, with no reload.
  const stoppedAt = Date.now();
  await docker('stop', '-t', '1', await containerId(identity));
  await expect(card(page, identity).getByTestId('status-pill')).not.toHaveAttribute('data-status', 'running', { timeout: 15_000 });
  const latency = Date.now() - stoppedAt;
  process.stdout.write(`[docker-restart] docker stop by hand → card updated: ${latency} ms (includes the stop itself)\n`);
  await screenshot(page, '20-stopped-by-hand');
});

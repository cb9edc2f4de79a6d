import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { card } from './helpers/app-page';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

let home = '';
let serve: ServeProcess;

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-reconnect-');
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
});

async function writeBottle(identity: string): Promise<void> {
  const dir = join(home, 'state', identity);
  await mkdir(dir, { recursive: true });
  const metadata = {
    identity,
    agent_name: 'offline',
    cwd: '/srv/project',
    copy_cwd: false,
    started_at: new Date().toISOString().replace('Z', '+00:00'),
  };
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata));
}

test('browser mode: a dropped connection shows, reconnects with backoff and re-lists what it missed', async ({ page }) => {
  // Every socket the page opens goes through this route, so the test can cut the link (as a broken
  // SSH tunnel would) and refuse reconnects for a while, while the real server keeps running.
  let refuse = false;
  let live: WebSocketRoute | null = null;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    if (refuse) {
      void ws.close();
      return;
    }
    ws.connectToServer();
    live = ws;
  });

  await page.goto(serve.url);
  await expect(page.getByTestId('empty-state').or(page.getByTestId('bottle-list'))).toBeVisible();

  refuse = true;
  await (live as WebSocketRoute | null)?.close();
  await expect(page.getByTestId('link-banner')).toBeVisible({ timeout: 10_000 });
  await writeBottle('missed-abcde');
  await screenshot(page, '21-connection-lost');
  // Let the server push (to nobody) its event for the new bottle, so only the re-list can show it.
  await page.waitForTimeout(1000);

  refuse = false;
  await expect(page.getByTestId('link-banner')).toBeHidden({ timeout: 15_000 });
  await expect(card(page, 'missed-abcde')).toBeVisible({ timeout: 10_000 });
});

import { expect, test, type Page } from '@playwright/test';
import { writeScriptAgent } from './helpers/agents';
import { startDetached } from './helpers/cli';
import { bottlePanel, row, showRows, shootBoth } from './helpers/cockpit-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { makeProject } from './helpers/flows';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

/*
 * Issue 22, bug 8: Inspect warns of a bottle that runs as uid 0, names its environment without a
 * value, lists its networks (the gateway's named as such) and folds the engine's raw JSON away,
 * its Env values cut. The bottles are started from a shell holding a secret-looking value in a
 * variable the agent passes through: it must reach neither the page nor the socket it reads.
 */

test.describe.configure({ mode: 'serial' });

const ROOTED = 'inspect-rooted';
const PLAIN = 'inspect-plain';
const PLAIN_VALUE = 'postgres://admin:hunter2-e2e-inspect-1618@db.internal/app';
const IDLE = 'echo "started as $(id -u)"\nexec sleep 3600\n';
let home = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-inspect-');
  // No `user`: the busybox image's default, root. The other runs as the image's `agent` (uid 1000).
  await writeScriptAgent(home, ROOTED, IDLE, 'runs as root', { user: undefined, env: ['DATABASE_URL'] });
  await writeScriptAgent(home, PLAIN, IDLE, 'runs as agent', { env: ['DATABASE_URL'] });
  serve = await startServe(home);
});

test.afterAll(async () => {
  test.setTimeout(180_000);
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(ROOTED);
  await removeAgentImages(PLAIN);
  await removeE2eHome(home);
});

/** Starts a copy-mode bottle from a shell that holds the secret-looking value. */
async function start(agent: string): Promise<string> {
  process.env.DATABASE_URL = PLAIN_VALUE;
  try {
    const identity = await startDetached(home, agent, await makeProject(home, agent, null), true);
    started.push(identity);
    return identity;
  } finally {
    delete process.env.DATABASE_URL;
  }
}

/** Every frame the page receives over its socket to serve: the renderer's whole IPC payload. */
function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
  return frames;
}

async function openInspect(page: Page, identity: string): Promise<void> {
  await page.goto(serve.url);
  await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
  await showRows(page);
  await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await row(page, identity).getByRole('button', { name: identity }).click();
  await bottlePanel(page).getByTestId('tab-inspect').click();
  await expect(bottlePanel(page).getByTestId('inspect-view')).toBeVisible({ timeout: 20_000 });
}

test('a bottle running as root is warned of; env names, networks and the raw JSON show no value', async ({ page }) => {
  test.setTimeout(240_000);
  const frames = recordFrames(page);
  const identity = await start(ROOTED);
  await openInspect(page, identity);
  const panel = bottlePanel(page);
  const warning = panel.getByTestId('inspect-root-warning');
  await expect(warning).toContainText('runs as root (uid 0)');
  await expect(warning).toContainText('agent.json "user", or a USER line');
  await expect(panel.getByTestId('inspect-uid')).toHaveText('(uid 0, root)');
  await expect(panel.getByTestId('inspect-env')).toContainText('DATABASE_URL');
  const gateway = panel.getByTestId('inspect-networks').locator('tr[data-role="gateway"]');
  await expect(gateway).toContainText(`claude-bottle-net-${identity}`);
  await expect(gateway).toContainText('gateway network');
  await panel.getByTestId('maximize').click();
  await shootBoth(page, '60-inspect-root');

  // The raw JSON is folded until asked for; open, its Env entries are names with the value cut.
  const raw = panel.getByTestId('inspect-raw-json');
  await expect(raw).toBeHidden();
  await panel.getByTestId('inspect-raw').locator('summary').click();
  await expect(raw).toBeVisible();
  await expect(raw).toContainText('"DATABASE_URL=…"');
  await expect(raw).toContainText(`"Id": "`);
  // Scrolled to its Env, so the screenshot shows the cut values.
  await raw.evaluate((element) => {
    element.scrollIntoView();
    const text = element.textContent ?? '';
    const line = text.slice(0, text.indexOf('"Env"')).split('\n').length;
    element.scrollTop = Math.max(0, line - 3) * parseFloat(getComputedStyle(element).lineHeight);
  });
  await shootBoth(page, '61-inspect-raw-json');

  // Neither the page nor anything the socket brought holds the value.
  expect(await page.content()).not.toContain('hunter2');
  expect(frames.some((frame) => frame.includes('"bottle:inspect"') || frame.includes('engineJson'))).toBe(true);
  expect(frames.filter((frame) => frame.includes('hunter2'))).toEqual([]);
});

test('a bottle running as its agent’s own user: its uid, and no warning', async ({ page }) => {
  test.setTimeout(240_000);
  const identity = await start(PLAIN);
  await openInspect(page, identity);
  const panel = bottlePanel(page);
  await expect(panel.getByTestId('inspect-user')).toHaveText('agent');
  await expect(panel.getByTestId('inspect-uid')).toHaveText('(uid 1000)');
  await expect(panel.getByTestId('inspect-root-warning')).toHaveCount(0);
  await expect(panel.getByTestId('inspect-env')).toContainText('DATABASE_URL');
  await expect(panel.getByTestId('inspect-networks').locator('tr[data-role="gateway"]')).toHaveCount(1);
  await panel.getByTestId('maximize').click();
  await shootBoth(page, '62-inspect-agent-user');
  expect(await page.content()).not.toContain('hunter2');
});

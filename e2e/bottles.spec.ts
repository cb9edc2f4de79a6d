import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { TEST_BASE_IMAGE, writeE2eAgent, writeSlowBuildAgent } from './helpers/agents';
import { card, dropFile, expectStatus, terminalText, openStartPanel } from './helpers/app-page';
import { containerId, containerState, docker, removeAgentImages, removeBottles } from './helpers/docker';
import { approveAndResume, makeProject, projectsDir, shooter, startFromUi } from './helpers/flows';
import { screenshot, screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

test.describe.configure({ mode: 'serial' });

let home = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-');
  await writeE2eAgent(home);
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages('slow-build');
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

test('start by dropping a folder, approve & resume, terminal shows the resumed agent', async ({ page }) => {
  await page.goto(serve.url);
  await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
  // Other suites' bottles on the same engine can show up (as orphans), so an empty list is not guaranteed.
  await expect(page.getByTestId('empty-state').or(page.getByTestId('bottle-list'))).toBeVisible();
  expect(new URL(page.url()).searchParams.get('token')).toBeNull();
  await screenshot(page, '01-empty-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, '01-empty-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // A real drop event: browser mode cannot see the path, so the app asks for it to be typed.
  await dropFile(page, 'my-project');
  await expect(page.getByTestId('launch-message')).toContainText(/type or paste its full path/i);
  await screenshot(page, '02-after-drop');

  const reason = 'needs the e2e tool to run the tests';
  const identity = await startFromUi(page, await makeProject(home, 'approve-me', reason));
  started.push(identity);
  expect(identity).toMatch(/^e2e-agent-[a-z0-9]{5}$/);
  await approveAndResume(page, identity, reason, shooter(page));

  // The decision is in the history view.
  await card(page, identity)
    .getByRole('button', { name: /Timeline/ })
    .click();
  await expect(page.getByTestId('history')).toContainText('approved');
  await screenshot(page, '08-history');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('side-panel')).toBeHidden();
});

test('reject a request with a message; nothing else changes', async ({ page }) => {
  await page.goto(serve.url);
  const identity = await startFromUi(page, await makeProject(home, 'reject-me', 'wants a tool it should not get'), true);
  started.push(identity);
  await expectStatus(page, identity, 'running', 90_000);
  await expect(card(page, identity).getByTestId('pending-request')).toBeVisible({ timeout: 30_000 });
  const container = await containerId(identity);
  await card(page, identity).getByRole('button', { name: 'Review' }).click();
  await page.getByLabel('Reject with a message to the agent').fill('Use the tools you already have.');
  await screenshot(page, '09-reject-message');
  await page.getByTestId('approval-panel').getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 30_000 });
  await expect(card(page, identity).getByTestId('pending-request')).toHaveCount(0, { timeout: 30_000 });
  await expectStatus(page, identity, 'running');
  expect(await containerId(identity)).toBe(container);
  expect(await containerState(identity)).toBe('running');
  // The agent got the operator's message back in its inbox.
  const inbox = join(home, 'state', identity, 'inbox');
  const responses = await readdir(inbox);
  const texts = await Promise.all(responses.map((file) => readFile(join(inbox, file), 'utf8').catch(() => '')));
  expect(texts.join('\n')).toContain('Use the tools you already have.');
  await screenshot(page, '10-rejected');
});

test('a bad request in the inbox shows as a warning on the card', async ({ page }) => {
  await page.goto(serve.url);
  const identity = started[1] ?? '';
  await expectStatus(page, identity, 'running');
  await writeFile(join(home, 'state', identity, 'inbox', 'garbage.json'), '{"version": 1, "reason": ');
  await expect(card(page, identity).getByTestId('inbox-warning')).toBeVisible({ timeout: 30_000 });
  await expect(card(page, identity).getByTestId('inbox-warning')).toContainText('garbage');
  await screenshot(page, '11-inbox-warning');
});

test('Approve without resume: ready to resume, then Resume from the card (copy mode)', async ({ page }) => {
  await page.goto(serve.url);
  const identity = started[1] ?? '';
  await expectStatus(page, identity, 'running');
  // A request exactly as capability-block writes it: temp name, then rename into the inbox.
  const inbox = join(home, 'state', identity, 'inbox');
  const request = {
    version: 1,
    id: 'req-e2e-manual',
    created_at: new Date().toISOString(),
    reason: 'needs the tool after all',
    run: ['echo e2e-tool-installed > /opt/e2e-tool'],
  };
  await writeFile(join(inbox, '.req-e2e-manual.tmp'), JSON.stringify(request));
  await rename(join(inbox, '.req-e2e-manual.tmp'), join(inbox, 'req-e2e-manual.json'));
  await expect(card(page, identity).getByTestId('pending-request')).toContainText('needs the tool after all', { timeout: 30_000 });
  await card(page, identity).getByRole('button', { name: 'Review' }).click();
  await page.getByTestId('approval-panel').getByRole('button', { name: 'Approve', exact: true }).click();
  // While it builds, the panel shows the build, never "No request is waiting"; then a notice says how it ended.
  await expect(page.getByTestId('approval-progress')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/No request is waiting/)).toHaveCount(0);
  await screenshotBothThemes(page, '12-approval-building');
  await expect(page.getByTestId('notice').filter({ hasText: `Approved; ${identity} is ready to resume` })).toBeVisible({
    timeout: 120_000,
  });
  await expectStatus(page, identity, 'ready-to-resume', 120_000);
  await expect(card(page, identity).getByTestId('ready-to-resume')).toContainText('Rebuilt');
  await expect(card(page, identity).getByTestId('ready-to-resume')).toContainText(`claude-bottle resume ${identity}`);
  await expect(card(page, identity).locator('.badge-warning')).toHaveText('1 bad request');
  await screenshot(page, '12-ready-to-resume');
  await card(page, identity).getByRole('button', { name: 'Resume', exact: true }).click();
  await expectStatus(page, identity, 'running', 90_000);
  await card(page, identity).getByRole('button', { name: 'Open terminal' }).click();
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain('AGENT tool ready: e2e-tool-installed');
  await expect.poll(() => terminalText(page)).toContain('mode=resume saw 1 earlier transcript lines');
  await page.keyboard.press('Escape'); // inside the terminal, Esc belongs to the program
  await expect(page.getByTestId('terminal-panel')).toBeVisible();
  await page.getByTestId('terminal-panel').getByRole('button', { name: 'Close' }).click();
});

test('stop, resume from the card, then remove with confirmation', async ({ page }) => {
  await page.goto(serve.url);
  const identity = started[1] ?? '';
  await card(page, identity).getByRole('button', { name: 'Stop' }).click();
  await expect(card(page, identity).getByTestId('status-pill')).not.toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect(card(page, identity).getByRole('button', { name: 'Resume', exact: true })).toBeEnabled({ timeout: 60_000 });
  // A plain stop rebuilt nothing: the card says it was stopped, never "Rebuilt".
  await expect(card(page, identity).getByTestId('ready-to-resume')).toContainText('Stopped');
  await expect(card(page, identity)).not.toContainText('Rebuilt');
  await screenshot(page, '13-stopped');
  await card(page, identity).getByRole('button', { name: 'Resume', exact: true }).click();
  await expectStatus(page, identity, 'running', 90_000);

  // Newest first means newest made: the older bottle, stopped and resumed (so started last), keeps
  // its place below this one instead of jumping to the top.
  const older = started[0] ?? '';
  await card(page, older).getByRole('button', { name: 'Stop' }).click();
  await expect(card(page, older).getByRole('button', { name: 'Resume', exact: true })).toBeEnabled({ timeout: 60_000 });
  await card(page, older).getByRole('button', { name: 'Resume', exact: true }).click();
  await expectStatus(page, older, 'running', 90_000);
  const order = await page.getByTestId('bottle-card').evaluateAll((all) => all.map((c) => c.getAttribute('data-identity')));
  expect(order.indexOf(identity)).toBeGreaterThanOrEqual(0);
  expect(order.indexOf(identity)).toBeLessThan(order.indexOf(older));

  await card(page, identity).getByRole('button', { name: 'Remove', exact: true }).click();
  const dialog = page.getByTestId('confirm-remove');
  await expect(dialog).toBeVisible();
  await screenshot(page, '13-confirm-remove');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(card(page, identity)).toBeVisible();
  await card(page, identity).getByRole('button', { name: 'Remove', exact: true }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(card(page, identity)).toHaveCount(0, { timeout: 60_000 });
  expect(await containerState(identity)).toBe('none');
});

test('build progress shows on the card while the image builds', async ({ page }) => {
  await writeSlowBuildAgent(home);
  await page.goto(serve.url);
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(await makeProject(home, 'slow', null));
  await page.getByTestId('agent-select').selectOption('slow-build');
  await page.getByTestId('start-button').click();
  const activity = page.getByTestId('bottle-card').getByTestId('activity');
  await expect(activity.first()).toContainText(/step \d+\/\d+/, { timeout: 30_000 });
  const building = page
    .getByTestId('bottle-card')
    .filter({ has: page.getByTestId('activity') })
    .first();
  const identity = (await building.getAttribute('data-identity')) ?? '';
  started.push(identity);
  await expect(card(page, identity).getByTestId('activity')).toContainText(
    /compiling dependencies|linking the toolchain|warming caches|Step/,
    { timeout: 30_000 },
  );
  await screenshot(page, '14-build-progress');
  await expectStatus(page, identity, 'running', 90_000);
  await expect(card(page, identity).getByTestId('activity')).toHaveCount(0);
});

test('a corrupt bottle is shown as such and Remove fixes it', async ({ page }) => {
  const identity = 'broken-zzzzz';
  await mkdir(join(home, 'state', identity), { recursive: true });
  await writeFile(join(home, 'state', identity, 'metadata.json'), '{"identity": "broken-zzzzz", ');
  await page.goto(serve.url);
  await expectStatus(page, identity, 'corrupt', 20_000);
  await expect(card(page, identity).getByTestId('corrupt-reason')).toBeVisible();
  await screenshot(page, '15-corrupt');
  await card(page, identity).getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByTestId('confirm-remove').getByRole('button', { name: 'Remove' }).click();
  await expect(card(page, identity)).toHaveCount(0, { timeout: 30_000 });
});

test("another instance's bottle is no card of ours: the list header only counts it, live", async ({ page }) => {
  // Other state roots' running bottles (their own instance label) on the same engine.
  const names: string[] = [];
  const runOther = async (identity: string): Promise<void> => {
    names.push(`claude-bottle-${identity}`);
    await docker(
      'run',
      '-d',
      '--name',
      `claude-bottle-${identity}`,
      '--label',
      'claude-bottle.managed=true',
      '--label',
      `claude-bottle.identity=${identity}`,
      '--label',
      `claude-bottle.instance=${'e'.repeat(32)}`,
      TEST_BASE_IMAGE,
      'sleep',
      '600',
    );
  };
  const note = page.getByTestId('other-instances-note');
  const shown = async (): Promise<number> =>
    Number(/^(\d+) bottles? of another/.exec((await note.textContent({ timeout: 1000 }).catch(() => null)) ?? '')?.[1] ?? 0);
  // What the engine holds that this root did not make, read from the engine at the same moment.
  const onEngine = async (): Promise<number> => {
    const ours = (await readFile(join(home, 'instance-id'), 'utf8')).trim();
    const labels = await docker(
      'ps',
      '-a',
      '--filter',
      'label=claude-bottle.managed=true',
      '--format',
      '{{.Label "claude-bottle.instance"}} {{.Label "claude-bottle.identity"}}',
    );
    const rows = labels
      .split('\n')
      .filter(Boolean)
      .map((row) => row.split(' '));
    const state = new Set(await readdir(join(home, 'state')).catch(() => [] as string[]));
    return rows.filter(([instance, identity]) => (instance === '' ? !state.has(identity ?? '') : instance !== ours)).length;
  };
  try {
    await runOther('e2e-agent-other1');
    await page.goto(serve.url);
    await expect(note).toContainText(/of another claude-bottle instance \(another state root\) on this engine (is|are) not shown/, {
      timeout: 20_000,
    });
    await expect(card(page, 'e2e-agent-other1')).toHaveCount(0);
    // One more comes while the window is open: the count follows it, without a reload.
    await runOther('e2e-agent-other2');
    // Pushed within a second or two; the background re-read (every 10 s at most) would be too late.
    await expect.poll(async () => (await shown()) - (await onEngine()), { timeout: 4000 }).toBe(0);
    await expect(card(page, 'e2e-agent-other2')).toHaveCount(0);
    expect(await containerState('e2e-agent-other1')).toBe('running');
  } finally {
    for (const name of names) await docker('rm', '-f', name).catch(() => '');
  }
});

test('Docker unreachable: banner, and the state folder still lists', async ({ page }) => {
  const down = await startServe(home, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  try {
    await page.goto(down.url);
    await expect(page.getByTestId('engine-banner')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('engine-banner')).toContainText('Docker is not running');
    await expect(card(page, started[0] ?? '')).toBeVisible();
    await screenshot(page, '16-docker-down-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, '16-docker-down-dark');
  } finally {
    await down.stop();
  }
});

test('filter narrows the list', async ({ page }) => {
  await page.goto(serve.url);
  await expect(page.getByTestId('bottle-card')).not.toHaveCount(0);
  await page.getByTestId('filter-input').fill('no-such-bottle');
  await expect(page.getByTestId('bottle-card')).toHaveCount(0);
  await page.getByTestId('filter-input').fill(started[0] ?? '');
  await expect(page.getByTestId('bottle-card')).toHaveCount(1);
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { E2E_AGENT, TEST_BASE_IMAGE, writeE2eAgent } from './helpers/agents';
import { terminalText } from './helpers/app-page';
import { startDetached } from './helpers/cli';
import { bottlePanel, row, shellText, shootBoth, showRows, tabTo } from './helpers/cockpit-page';
import { containerState, removeAgentImages, removeBottles } from './helpers/docker';
import { makeProject } from './helpers/flows';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

test.describe.configure({ mode: 'serial' });

const TICKER = 'ticker';
let home = '';
let serve: ServeProcess;
const started: string[] = [];

/** An agent that prints a numbered tick every second (its log grows while followed), then keeps a shell on its TTY. */
async function writeTickerAgent(): Promise<void> {
  const dir = join(home, 'agents', TICKER);
  await mkdir(dir, { recursive: true });
  const script = [
    'echo "TICKER started as $(id -un)"',
    '(i=0; while :; do i=$((i + 1)); echo "tick $i"; sleep 1; done) &',
    'exec sh -i',
    '',
  ].join('\n');
  await writeFile(join(dir, 'agent.sh'), script, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\n`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({ description: 'ticks', command: ['sh', '/usr/bin/agent.sh'], workdir: '/workspace', user: 'agent' }),
  );
}

async function start(agent: string, project: string, copy = false): Promise<string> {
  const identity = await startDetached(home, agent, project, copy);
  started.push(identity);
  return identity;
}

/** The Logs tab shows the ticker's lines, its stream open, and at least `more` lines come in after. */
async function expectLogsFollowing(panel: Locator, more: number): Promise<void> {
  const logs = panel.getByTestId('log-lines');
  await expect(logs).toContainText(/tick \d+/, { timeout: 20_000 });
  await expect(panel.getByTestId('logs-status')).toHaveAttribute('data-state', 'open');
  const count = async (): Promise<number> => Number(await logs.getAttribute('data-count'));
  const before = await count();
  await expect.poll(count, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + more);
}

async function openPage(page: Page, rows = true): Promise<void> {
  await page.goto(serve.url);
  await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
  if (rows) await showRows(page);
}

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-cockpit-');
  await writeE2eAgent(home);
  await writeTickerAgent();
  serve = await startServe(home);
});

test.afterAll(async () => {
  // Eight bottles and their images to remove on a busy shared engine.
  test.setTimeout(300_000);
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(TICKER);
  await removeE2eHome(home);
});

test('stats appear for a running bottle; Logs follow and search; the rows view is remembered', async ({ page }) => {
  const identity = await start(TICKER, await makeProject(home, 'ticking', null));
  await openPage(page);
  await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  // CPU (after two readings) and memory, read only because the row is on screen.
  const stats = row(page, identity).getByTestId('bottle-stats');
  await expect(stats).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
  await expect(stats.getByTestId('stats-cpu')).toHaveText(/^\d+(\.\d)?%$/, { timeout: 20_000 });
  await expect(stats.getByTestId('stats-memory')).toHaveText(/\d+(\.\d)? (KiB|MiB)/);
  await shootBoth(page, '30-rows-stats');

  // Reloaded, the list is still rows: the choice is remembered.
  await page.reload();
  await expect(row(page, identity)).toBeVisible({ timeout: 20_000 });

  await row(page, identity).getByRole('button', { name: identity }).click();
  const panel = bottlePanel(page);
  await panel.getByTestId('tab-logs').click();
  // Following: new ticks keep arriving while the tab is open (only the lines on screen are in the page).
  await expectLogsFollowing(panel, 3);
  // Search finds the first line, scrolled out of view by the ticks since, and brings it back.
  const search = panel.getByTestId('logs-search');
  await search.fill('ticker started');
  await expect(panel.getByTestId('logs-matches')).toHaveText('1 line');
  await search.press('Enter');
  await expect(panel.getByTestId('logs-matches')).toHaveText('1 of 1 line');
  await expect(panel.locator('.log-line.is-current')).toHaveText(/^TICKER started as \w+$/);
  await expect(panel.locator('.log-line.is-current mark')).toHaveText('TICKER started');
  await search.fill('tick 1');
  await expect(panel.getByTestId('logs-matches')).toHaveText(/^\d+ lines$/);
  await shootBoth(page, '31-logs-follow-search');
  await panel.getByTestId('maximize').click();
  await expect(panel).toHaveClass(/is-maximized/);
  await shootBoth(page, '32-logs-maximized');
  await panel.getByTestId('maximize').click();
});

test('the Logs tab asks for its lines when pressed; the click shows that stream; a press alone closes it', async ({ page }) => {
  const identity = started[0] ?? '';
  const sent: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push(frame.payload);
    }),
  );
  const requests = (channel: string): { args: unknown[] }[] =>
    sent.map((text) => JSON.parse(text) as { channel: string; args: unknown[] }).filter((message) => message.channel === channel);
  await openPage(page);
  await row(page, identity).getByRole('button', { name: identity }).click();
  const panel = bottlePanel(page);
  const press = (): Promise<void> =>
    panel.getByTestId('tab-logs').dispatchEvent('pointerdown', { button: 0, isPrimary: true, pointerType: 'mouse' });
  // Pressed, not yet clicked: the tail is on its way while the Terminal still shows.
  await press();
  await expect.poll(() => requests('logs:open').length).toBe(1);
  expect(requests('logs:open')[0]?.args[0]).toMatchObject({ identity, tail: 1000, follow: true });
  await expect(panel.getByTestId('tab-terminal')).toHaveAttribute('aria-selected', 'true');
  // The click shows that stream's lines, following: no second request.
  await panel.getByTestId('tab-logs').click();
  await expectLogsFollowing(panel, 1);
  expect(requests('logs:open')).toHaveLength(1);
  // Leaving the tab closes its stream; a press that never becomes the tab has its own closed unread.
  await panel.getByTestId('tab-terminal').click();
  await expect.poll(() => requests('logs:close').length).toBe(1);
  await press();
  await expect.poll(() => requests('logs:open').length).toBe(2);
  await expect.poll(() => requests('logs:close').length, { timeout: 15_000 }).toBe(2);
  await expect(panel.getByTestId('tab-terminal')).toHaveAttribute('aria-selected', 'true');
});

test('a reopened terminal, and a second window, show what the agent printed before', async ({ page, context }) => {
  const identity = started[0] ?? '';
  await openPage(page);
  await row(page, identity).getByRole('button', { name: identity }).click();
  const panel = bottlePanel(page);
  await expect(panel.getByTestId('terminal-state')).toHaveAttribute('data-state', 'attached', { timeout: 30_000 });
  await page.locator('[data-testid="terminal"] .xterm-helper-textarea').focus();
  await page.keyboard.type('echo before-reopen-$((6*7))\n');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toContain('before-reopen-42');
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toBeHidden();

  // Reopened: the ring in the core replays the earlier output before anything new is typed.
  await row(page, identity).getByRole('button', { name: identity }).click();
  await expect(panel.getByTestId('terminal-state')).toHaveAttribute('data-state', 'attached', { timeout: 30_000 });
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toContain('before-reopen-42');
  await shootBoth(page, '33-terminal-reopened');

  // A second window shows the same.
  const second = await context.newPage();
  await openPage(second);
  await row(second, identity).getByRole('button', { name: identity }).click();
  await expect.poll(() => terminalText(second), { timeout: 30_000 }).toContain('before-reopen-42');
  await second.close();
});

test('the Shell tab runs a command as the agent’s user, resizes and pastes; Inspect says how the bottle runs', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // Copied, the bottle runs as the agent's own user (mounted, as the project folder's owner).
  const identity = await start(TICKER, await makeProject(home, 'shell-here', null), true);
  await openPage(page);
  await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await row(page, identity).getByRole('button', { name: identity }).click();
  const panel = bottlePanel(page);
  await panel.getByTestId('tab-shell').click();
  await expect(panel.getByTestId('shell-state')).toHaveAttribute('data-state', 'attached', { timeout: 30_000 });
  await page.locator('[data-testid="shell"] .xterm-helper-textarea').focus();
  await page.keyboard.type('echo "I am $(id -un) in $PWD"\n');
  await expect.poll(() => shellText(page), { timeout: 15_000 }).toContain('I am agent in /workspace');
  await shootBoth(page, '34-shell');

  // Maximized, the shell's terminal grows, and the program in it is told (stty prints rows and columns).
  const sizes = async (): Promise<number[]> => [...(await shellText(page)).matchAll(/^(\d+) \d+$/gm)].map((match) => Number(match[1]));
  await page.keyboard.type('stty size\n');
  await expect.poll(async () => (await sizes()).length, { timeout: 15_000 }).toBe(1);
  const [docked] = await sizes();
  await panel.getByTestId('maximize').click();
  await page.locator('[data-testid="shell"] .xterm-helper-textarea').focus();
  // The resize reaches the bottle a moment after the panel grows: ask until it has.
  const asked = async (): Promise<number> => {
    await page.keyboard.type('stty size\n');
    return (await sizes()).at(-1) ?? 0;
  };
  await expect.poll(asked, { timeout: 15_000 }).toBeGreaterThan(docked as number);
  await shootBoth(page, '34-shell-maximized');
  await panel.getByTestId('maximize').click();

  // Paste (the button, as Ctrl+Shift+V does) types the clipboard into the shell.
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((3*3))'));
  await panel.getByRole('button', { name: 'Paste' }).click();
  // The clipboard is read asynchronously: Enter once the pasted line shows at the prompt.
  await expect.poll(() => shellText(page), { timeout: 15_000 }).toContain('echo pasted-$((3*3))');
  await page.keyboard.press('Enter');
  await expect.poll(() => shellText(page), { timeout: 15_000 }).toContain('pasted-9');
  await panel.getByTestId('tab-inspect').click();
  await expect(panel.getByTestId('inspect-user')).toHaveText('agent');
  await expect(panel.getByTestId('inspect-view')).toContainText('/run/claude-bottle/inbox');
  await expect(panel.getByTestId('inspect-view')).toContainText(`FROM ${TEST_BASE_IMAGE}`);
  await shootBoth(page, '35-inspect');
  await panel.getByTestId('tab-changes').click();
  // The work-comes-home view is this tab: the copied project is unchanged so far.
  await expect(panel.getByTestId('changes-view')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('changes-summary')).toContainText('0 files changed');
});

test('keyboard: j/k and Enter open a bottle, a opens the waiting approval, the title counts it, a notification announces it', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['notifications']);
  // Record the notifications the page raises (the browser shows them outside the page).
  await page.addInitScript(() => {
    const shown: { title: string; body: string; click: () => void }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '', click: () => this.onclick?.(new Event('click')) });
      }
    }
    window.Notification = Recorded as typeof Notification;
  });
  await openPage(page);
  await expect(page).toHaveTitle('Claude Bottle');

  const reason = 'needs the e2e tool for the keyboard flow';
  const identity = await start(E2E_AGENT, await makeProject(home, 'keyboard-approve', reason));
  await expect(row(page, identity).getByTestId('pending-badge')).toBeVisible({ timeout: 90_000 });
  await expect(page).toHaveTitle('(1) approval waiting · Claude Bottle');
  await expect
    .poll(() =>
      page.evaluate(() => (window as unknown as { shownNotifications: { title: string }[] }).shownNotifications.map((n) => n.title)),
    )
    .toEqual([`${identity} needs approval`]);

  // j focuses the newest bottle (this one), Enter opens it, Esc closes it again.
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('j');
  await expect(row(page, identity)).toHaveClass(/is-focused/);
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await expect(row(page, identity)).toHaveClass(/is-focused/);
  await page.keyboard.press('Enter');
  await expect(bottlePanel(page)).toHaveAttribute('data-identity', identity);
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Escape');
  await expect(bottlePanel(page)).toBeHidden();

  await page.keyboard.press('?');
  await expect(page.getByTestId('keyboard-help')).toBeVisible();
  await shootBoth(page, '36-keyboard-help');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('keyboard-help')).toBeHidden();

  // A click on the notification opens the approval panel; so does `a`.
  await page.evaluate(() => (window as unknown as { shownNotifications: { click(): void }[] }).shownNotifications[0]?.click());
  await expect(page.getByTestId('approval-panel')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('side-panel')).toBeHidden();
  await page.keyboard.press('/');
  await expect(page.getByTestId('filter-input')).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('a');
  await expect(page.getByTestId('approval-panel')).toBeVisible();
  await expect(page.getByTestId('approval-reason')).toHaveText(reason);
  await shootBoth(page, '37-keyboard-approval');
  await tabTo(page, 'Approve & resume');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 120_000 });
  await expect(row(page, identity).getByTestId('pending-badge')).toHaveCount(0, { timeout: 60_000 });
  await expect(page).toHaveTitle('Claude Bottle');
  await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
});

test('bulk stop of 3 bottles, confirmed by count; remove offers to keep the state', async ({ page }) => {
  const project = await makeProject(home, 'bulk', null);
  const three = [await start(TICKER, project), await start(TICKER, project), await start(TICKER, project)];
  await openPage(page);
  await page.getByTestId('filter-input').fill('/bulk');
  for (const identity of three)
    await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await page.getByTestId('select-all').check();
  const bar = page.getByTestId('bulk-bar');
  await expect(bar).toContainText('3 bottles selected');
  await shootBoth(page, '38-bulk-selected');
  await bar.getByRole('button', { name: 'Stop…' }).click();
  const dialog = page.getByTestId('confirm-bulk');
  await expect(dialog.getByRole('heading')).toHaveText('Stop 3 bottles?');
  await shootBoth(page, '39-bulk-confirm');
  await dialog.getByRole('button', { name: 'Stop 3 bottles' }).click();
  for (const identity of three)
    await expect(row(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'ready-to-resume', { timeout: 120_000 });
  for (const identity of three) expect(await containerState(identity)).toBe('none');
  await expect(page.getByTestId('notice').filter({ hasText: 'Stopped 3 bottles' })).toBeVisible();

  // Remove: the same count, and keeping each state folder is offered.
  await page.getByTestId('select-all').check();
  await bar.getByRole('button', { name: 'Remove…' }).click();
  await expect(dialog.getByRole('heading')).toHaveText('Remove 3 bottles?');
  await expect(dialog.getByLabel('Keep each state folder (transcript, Dockerfile, history)')).not.toBeChecked();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.keyboard.press('Escape');
  await expect(bar).toBeHidden();
});

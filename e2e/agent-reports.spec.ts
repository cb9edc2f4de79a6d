import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { card, expectStatus, openStartPanel } from './helpers/app-page';
import { startDetached } from './helpers/cli';
import { row, shootBoth, showRows } from './helpers/cockpit-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { makeProject, projectsDir } from './helpers/flows';
import { REPORT_AGENT, writeReportAgent } from './helpers/report-agent';
import { startServe, type ServeProcess } from './helpers/serve-process';

/*
 * What an agent tells the operator (issue 21), in the browser against the real core and engine: a
 * busybox agent writes its status and its permission questions into the inbox exactly per the wire
 * contract. The card says what it does; a question shows on the card, in the title and in the
 * approval panel, and Allow / Deny-with-message reach the waiting agent; a withdrawn question
 * leaves quietly; a finished turn offers the Reply box, whose line reaches the agent's terminal;
 * the rows view says the same as the cards for a mix of states.
 */

test.describe.configure({ mode: 'serial' });

let home = '';
let serve: ServeProcess;
const started: string[] = [];
const TASK_AGENT = 'report-agent-task';
/** The bottle the long test leaves waiting for a reply, for the Reply test. */
let waitingBottle: { identity: string; project: string } | null = null;

async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function openPage(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(serve.url);
  await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
}

/** A project whose `.plan` picks what the report agent does (see helpers/report-agent.ts). */
async function planProject(name: string, plan: string): Promise<string> {
  const dir = await makeProject(home, name, null);
  await writeFile(join(dir, '.plan'), plan);
  return dir;
}

/** The answer the agent got for its question N, as JSON (it copies the response file into the project). */
async function answerOf(project: string, n: number): Promise<Record<string, unknown> | string> {
  const text = await readOr(join(project, `answer-${n}.json`));
  if (text === '') return '';
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text.trim();
  }
}

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-reports-');
  await writeReportAgent(home);
  serve = await startServe(home);
});

test.afterAll(async () => {
  test.setTimeout(300_000);
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(REPORT_AGENT);
  await removeAgentImages(TASK_AGENT);
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

test('the start panel checks the name and the task beside their fields', async ({ page }) => {
  await openPage(page);
  const name = page.getByTestId('name-input');
  const task = page.getByTestId('task-input');
  await name.fill('-not a name');
  await expect(page.locator('#launch-name-problem')).toContainText('starting with a letter or digit');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await task.fill('clear the screen \u001b[2J');
  await expect(page.locator('#launch-task-problem')).toContainText('no control characters');
  // Start is refused while they are wrong: nothing is started.
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(await makeProject(home, 'refused', null));
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('launch-message')).toContainText('Fix the name or the task first');
  await expect(page.getByTestId('bottle-card')).toHaveCount(0);
  await shootBoth(page, 'agent-00-start-panel-errors');
  await name.fill('login-fix');
  await task.fill('Fix the login test\nthen run it');
  await expect(page.locator('#launch-name-problem')).toHaveCount(0);
  await expect(page.locator('#launch-task-problem')).toHaveCount(0);
  await expect(page.getByTestId('launch-message')).toHaveText('');
  await shootBoth(page, 'agent-00-start-panel');
});

test('a working agent, its permission questions allowed and denied, one withdrawn, then waiting for a reply', async ({ page }) => {
  test.setTimeout(300_000);
  const project = await planProject('login', 'full');
  const identity = await startDetached(home, REPORT_AGENT, project);
  started.push(identity);
  await openPage(page);
  await expectStatus(page, identity, 'running', 120_000);
  const theCard = card(page, identity);

  // 1. Working: the card's agent line says on what.
  const line = theCard.getByTestId('agent-line');
  await expect(line).toHaveAttribute('data-state', 'working', { timeout: 30_000 });
  await expect(line.getByTestId('agent-state')).toHaveText('working: Bash npm test');
  await shootBoth(page, 'agent-01-working');

  // 2. A permission question: on the card, in the title, in the approval panel in full; Allow by key.
  await writeFile(join(project, '.go-1'), '');
  const area = theCard.getByTestId('permission-request');
  await expect(area.getByTestId('permission-ask')).toHaveText('Bash npm install left-pad', { timeout: 30_000 });
  await expect(line.getByTestId('agent-state')).toHaveText('needs permission: Bash npm install left-pad');
  await expect(page).toHaveTitle(/^\(1\) approval waiting/);
  await area.getByRole('button', { name: 'More' }).click();
  const panel = page.getByTestId('approval-panel');
  const question = panel.getByTestId('permission-question');
  await expect(question).toHaveCount(1);
  await expect(question.getByTestId('permission-tool')).toHaveText('Bash');
  await expect(question.getByTestId('permission-detail')).toHaveText('npm install left-pad');
  await expect(question.getByTestId('permission-reason')).toHaveText('The build needs left-pad to pad the version column');
  await expect(question.getByTestId('permission-input')).toBeHidden();
  await question.getByText('Input', { exact: true }).click();
  await expect(question.getByTestId('permission-input')).toContainText('"command": "npm install left-pad"');
  for (const name of ['Allow 1', 'Allow & don’t ask again 2', 'Deny 3'])
    await expect(question.getByRole('button', { name, exact: true })).toBeVisible();
  await shootBoth(page, 'agent-02-permission-panel');
  await page.getByTestId('side-panel').getByRole('button', { name: /Close/ }).focus();
  await page.keyboard.press('1');
  await expect.poll(() => answerOf(project, 1), { timeout: 30_000 }).toMatchObject({ status: 'approved' });
  expect(await answerOf(project, 1)).not.toHaveProperty('remember');
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 15_000 });
  await expect(page).toHaveTitle(/^Claude Bottle$/, { timeout: 15_000 });

  // 3. The next question, opened with the list's `a` key, denied with a message (Enter in its field).
  await expect(line.getByTestId('agent-state')).toHaveText('working: Edit src/login.ts', { timeout: 30_000 });
  await writeFile(join(project, '.go-2'), '');
  await expect(area.getByTestId('permission-ask')).toHaveText('Edit src/login.ts', { timeout: 30_000 });
  await theCard.locator('.card-identity').click();
  await page.keyboard.press('a');
  await expect(question.getByTestId('permission-tool')).toHaveText('Edit');
  await expect(question.getByTestId('permission-reason')).toHaveCount(0);
  await question.getByTestId('deny-message').fill('Do not touch the login check; fix the test instead.');
  await question.getByTestId('deny-message').press('Enter');
  await expect.poll(() => answerOf(project, 2), { timeout: 30_000 }).toMatchObject({ status: 'rejected' });
  expect(JSON.stringify(await answerOf(project, 2))).toContain('Do not touch the login check; fix the test instead.');
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 15_000 });

  // 4. A question the agent withdraws (answered in its terminal) leaves the panel without an error.
  await writeFile(join(project, '.go-3'), '');
  await expect(area.getByTestId('permission-ask')).toHaveText('Bash git push --force', { timeout: 30_000 });
  await area.getByRole('button', { name: 'More' }).click();
  await expect(question.getByTestId('permission-detail')).toHaveText('git push --force');
  await writeFile(join(project, '.withdraw-3'), '');
  await expect.poll(() => answerOf(project, 3), { timeout: 30_000 }).toBe('withdrawn');
  await expect(question).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('side-panel')).toContainText(`No request is waiting for ${identity}`);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await page.getByTestId('side-panel').getByRole('button', { name: /Close/ }).click();

  // 5. Its turn finished: waiting for you, its last message, the Reply box; the reply reaches its terminal.
  await expect(line).toHaveAttribute('data-state', 'waiting', { timeout: 30_000 });
  await expect(line.getByTestId('agent-message')).toHaveText('All 12 tests pass. Shall I open a pull request for the login fix?');
  await expect(line.getByTestId('agent-state')).toHaveText('waiting for you');
  await expect(theCard.getByTestId('agent-waiting')).toContainText('Reply');
  await expect(page).toHaveTitle(/^Claude Bottle$/);
  const input = theCard.getByTestId('reply-input');
  await input.fill('Yes, open it as a draft');
  await shootBoth(page, 'agent-03-waiting-reply');
  waitingBottle = { identity, project };
});

test('a mix of states: the rows view says what each card says', async ({ page }) => {
  test.setTimeout(300_000);
  const plans = {
    ask: 'needs permission',
    waiting: 'waiting for you',
    finished: 'finished',
    working: 'working',
    exited: 'exited',
  } as const;
  const identities: Partial<Record<keyof typeof plans, string>> = {};
  for (const plan of Object.keys(plans) as (keyof typeof plans)[]) {
    const identity = await startDetached(home, REPORT_AGENT, await planProject(`mix-${plan}`, plan));
    started.push(identity);
    identities[plan] = identity;
  }
  await openPage(page);
  const ask = identities.ask ?? '';
  const wait = identities.waiting ?? '';
  const done = identities.finished ?? '';
  await expect(card(page, ask).getByTestId('permission-ask')).toHaveText('WebFetch https://docs.example.com/api', { timeout: 120_000 });
  await expect(card(page, wait).getByTestId('agent-state')).toHaveText('waiting for you', { timeout: 60_000 });
  await expect(card(page, wait).getByTestId('agent-waiting').getByTestId('reply-box')).toBeVisible();
  await expect(card(page, wait).getByTestId('agent-message')).toContainText('a race in the session cache');
  await expect(card(page, done).getByTestId('agent-state')).toHaveText('finished', { timeout: 60_000 });
  await expect(card(page, done).getByTestId('reply-box')).toBeVisible();
  const busy = identities.working ?? '';
  const gone = identities.exited ?? '';
  await expect(card(page, busy).getByTestId('agent-state')).toHaveText('working: Bash npm run build', { timeout: 60_000 });
  await expectStatus(page, gone, 'exited', 60_000);
  await expect(card(page, gone).getByTestId('agent-state')).toHaveText('exited: the context window is full');
  await expect(card(page, gone).getByTestId('reply-box')).toHaveCount(0);
  await expect(card(page, gone).locator('[data-attention]')).toHaveAttribute('data-attention', 'early-exit');
  await expect(page).toHaveTitle(/^\(1\) approval waiting/);
  await shootBoth(page, 'agent-04-cards-mixed');

  await showRows(page);
  await expect(row(page, ask).locator('[data-attention]')).toHaveAttribute('data-attention', 'pending');
  await expect(row(page, ask).getByTestId('permission-badge')).toHaveText('Needs permission');
  await expect(row(page, wait).locator('[data-attention]')).toHaveAttribute('data-attention', 'waiting');
  await expect(row(page, wait).locator('.row-attention')).toHaveText('waiting for you');
  await expect(row(page, done).getByTestId('row-agent-status')).toHaveText('finished');
  await expect(row(page, busy).getByTestId('row-agent-status')).toHaveText('working: Bash npm run build');
  // It exited within its first minute: both name that first (the shared rule), the card's line says why.
  await expect(row(page, gone).locator('[data-attention]')).toHaveAttribute('data-attention', 'early-exit');
  // "Needs me first": the question, then the waiting agent, before the rest.
  await page.getByTestId('sort-select').selectOption('status');
  const order = await page.getByTestId('bottle-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-identity')));
  expect(order.slice(0, 2)).toEqual([ask, wait]);
  await shootBoth(page, 'agent-05-rows-mixed');
});

test("the Reply box types a line into the waiting agent's terminal, then clears and says Sent", async ({ page }) => {
  test.setTimeout(120_000);
  const { identity, project } = waitingBottle ?? { identity: '', project: '' };
  await openPage(page);
  const theCard = card(page, identity);
  const input = theCard.getByTestId('reply-input');
  await expect(theCard.getByTestId('agent-state')).toHaveText('waiting for you', { timeout: 30_000 });
  // Shift+Enter is a new line in the box, not a send; Enter sends.
  await input.fill('Yes, open it');
  await input.press('Shift+Enter');
  await expect(input).toHaveValue('Yes, open it\n');
  await input.fill('Yes, open it as a draft');
  await input.press('Enter');
  // "Sent" shows until the agent moves on: a quick one is working again (and its Reply box gone,
  // being for a waiting agent) before the page's next look, which says as much.
  const movedOn = async (): Promise<boolean> => (await theCard.getByTestId('agent-state').textContent()) === 'working: Bash gh pr create';
  await expect.poll(async () => (await theCard.getByTestId('reply-sent').isVisible()) || (await movedOn()), { timeout: 15_000 }).toBe(true);
  // Cleared, while it is still there (read in one go: it may go at any moment).
  await expect.poll(() => input.evaluateAll((boxes) => boxes.every((box) => (box as HTMLTextAreaElement).value === ''))).toBe(true);
  await expect.poll(() => readOr(join(project, 'reply.txt')), { timeout: 30_000 }).toBe('Yes, open it as a draft\n');
  await expect(theCard.getByTestId('agent-state')).toHaveText('working: Bash gh pr create', { timeout: 30_000 });
});

test('a task given in the start panel reaches the agent as its first instruction; the name shows beside the identity', async ({ page }) => {
  test.setTimeout(300_000);
  // Its own agent: one that declares how it takes a task (agent.json promptArgs).
  await writeReportAgent(home, TASK_AGENT, { promptArgs: ['{prompt}'] });
  const project = await planProject('with-task', 'working');
  await openPage(page);
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('agent-select').selectOption(TASK_AGENT);
  await page.getByRole('radio', { name: 'Mounted' }).check();
  await page.getByTestId('name-input').fill('task-demo');
  await page.getByTestId('task-input').fill('Fix the login test\nthen run it');
  await page.getByTestId('start-button').click();
  const theCard = page.locator('[data-testid="bottle-card"]', { has: page.getByTestId('card-name').filter({ hasText: 'task-demo' }) });
  await expect(theCard).toHaveCount(1, { timeout: 120_000 });
  started.push((await theCard.getAttribute('data-identity')) ?? '');
  // Started: the panel folds to its bar; opened again, the name and the task are blank for the next start.
  await expect(page.getByTestId('launch-unfold')).toBeVisible({ timeout: 60_000 });
  await openStartPanel(page);
  await expect(page.getByTestId('name-input')).toHaveValue('');
  await expect(page.getByTestId('task-input')).toHaveValue('');
  await expect.poll(() => readOr(join(project, 'task.txt')), { timeout: 60_000 }).toBe('Fix the login test\nthen run it');
  await expect(theCard.getByTestId('agent-state')).toHaveText('working: Bash npm run build', { timeout: 30_000 });
  await shootBoth(page, 'agent-06-named-card');
});

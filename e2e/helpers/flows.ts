import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { E2E_AGENT } from './agents';
import { card, expectStatus, newestIdentity, terminalText, openStartPanel } from './app-page';
import { screenshot } from './screens';

/** Where a spec's projects go: beside its state folder, never inside it (a project there is refused). */
export function projectsDir(home: string): string {
  return `${home}-projects`;
}

/** A project folder; with `wantsTool`, the e2e agent asks for a tool via capability-block on start. */
export async function makeProject(home: string, name: string, wantsTool: string | null): Promise<string> {
  const dir = join(projectsDir(home), name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'README.md'), `# ${name}\n`);
  if (wantsTool !== null) await writeFile(join(dir, '.wants-tool'), wantsTool);
  return dir;
}

/** Fills the launch form and presses Start; resolves with the new bottle's identity. */
export async function startFromUi(page: Page, folder: string, copy = false): Promise<string> {
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(folder);
  await page.getByTestId('agent-select').selectOption(E2E_AGENT);
  await page.getByRole('radio', { name: copy ? 'Copied' : 'Mounted' }).check();
  const cards = page.getByTestId('bottle-card');
  const before = new Set(await cards.evaluateAll((all) => all.map((c) => c.getAttribute('data-identity'))));
  await page.getByTestId('start-button').click();
  await expect.poll(async () => !before.has(await newestIdentity(page)), { timeout: 90_000 }).toBe(true);
  return newestIdentity(page);
}

function containerTitle(page: Page, identity: string): Promise<string | null> {
  return card(page, identity).locator('.fact').nth(2).locator('dd').getAttribute('title');
}

/**
 * The main flow: a started bottle whose agent asks for a tool → approval panel with the right diff →
 * Approve & resume → same identity running again on the rebuilt image → the terminal shows the
 * resumed agent (it read its earlier transcript and sees the new tool) and takes input.
 */
export async function approveAndResume(
  page: Page,
  identity: string,
  reason: string,
  shot: (name: string) => Promise<unknown>,
): Promise<void> {
  await expectStatus(page, identity, 'running', 90_000);
  const firstContainer = await containerTitle(page, identity);
  await shot('03-running');

  await expect(card(page, identity).getByTestId('pending-request')).toContainText(reason, { timeout: 30_000 });
  await shot('04-approval-needed');
  await card(page, identity).getByRole('button', { name: 'Review' }).click();
  const panel = page.getByTestId('approval-panel');
  await expect(panel.getByTestId('approval-reason')).toHaveText(reason);
  await expect(panel.locator('.diff-line[data-kind="add"] .diff-text')).toHaveText(['RUN echo e2e-tool-installed > /opt/e2e-tool']);
  await expect(panel.locator('.diff-line[data-kind="remove"]')).toHaveCount(0);
  await expect(panel.locator('.diff-line[data-kind="context"] .diff-text').first()).toHaveText('FROM claude-bottle-test-base:latest');
  await shot('05-approval-panel-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('05-approval-panel-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await panel.getByRole('button', { name: 'Approve & resume' }).click();
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 120_000 });
  await expectStatus(page, identity, 'running', 120_000);
  await expect(card(page, identity).getByTestId('pending-request')).toHaveCount(0);
  await expect.poll(() => containerTitle(page, identity), { timeout: 60_000 }).not.toBe(firstContainer);
  await expect(card(page, identity).locator('.card-facts')).toContainText(`claude-bottle-rebuilt-${identity}`);
  await expect(card(page, identity)).toHaveCount(1);
  await shot('06-resumed');

  await card(page, identity).getByRole('button', { name: 'Open terminal' }).click();
  await expect(page.getByTestId('terminal-state')).toHaveAttribute('data-state', 'attached', { timeout: 30_000 });
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain('mode=resume saw 1 earlier transcript lines');
  await expect.poll(() => terminalText(page)).toContain('AGENT tool ready: e2e-tool-installed');
  await page.locator('[data-testid="terminal"] .xterm-helper-textarea').focus();
  await page.keyboard.type('echo typed-$((6*7))\n');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toContain('typed-42');
  await shot('07-terminal');
  await page.getByTestId('terminal-panel').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('terminal-panel')).toBeHidden();
}

export function shooter(page: Page, prefix = ''): (name: string) => Promise<string> {
  return (name) => screenshot(page, `${prefix}${name}`);
}

import { expect, type Locator, type Page } from '@playwright/test';

export function card(page: Page, identity: string): Locator {
  return page.locator(`[data-testid="bottle-card"][data-identity="${identity}"]`);
}

export async function expectStatus(page: Page, identity: string, status: string, timeout = 60_000): Promise<void> {
  await expect(card(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', status, { timeout });
}

/** Text currently in the xterm screen (its DOM renderer keeps one row per line). */
export async function terminalText(page: Page): Promise<string> {
  return page.locator('[data-testid="terminal"] .xterm-rows').innerText();
}

/**
 * Dispatches a real `drop` event on the page, carrying a DataTransfer with one file the way a file
 * manager drag does. Browser mode cannot learn the dropped item's path, so this exercises the drop
 * handler and its message; the folder path itself is then typed, as an operator on a headless host does.
 */
export async function dropFile(page: Page, name: string): Promise<void> {
  // Runs in the page; typed loosely because the e2e files compile without the DOM library.
  const dataTransfer = await page.evaluateHandle((fileName) => {
    const dom = globalThis as unknown as {
      DataTransfer: new () => { items: { add(file: unknown): void } };
      File: new (parts: string[], name: string, options: { type: string }) => unknown;
    };
    const transfer = new dom.DataTransfer();
    transfer.items.add(new dom.File(['x'], fileName, { type: 'text/plain' }));
    return transfer;
  }, name);
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'dragover', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/** The identity of the newest card (cards are newest first). */
export async function newestIdentity(page: Page): Promise<string> {
  const first = page.getByTestId('bottle-card').first();
  await expect(first).toBeVisible({ timeout: 60_000 });
  return (await first.getAttribute('data-identity')) ?? '';
}

/**
 * Unfolds the start panel if it is folded (once bottles exist it shows as one bar) and waits for
 * its form. Retried as a whole: before the list is in, the panel can change between bar and form.
 */
export async function openStartPanel(page: Page): Promise<void> {
  const folder = page.getByTestId('folder-input');
  const bar = page.getByTestId('launch-unfold');
  await expect(folder.or(bar)).toBeVisible({ timeout: 30_000 });
  await expect(async () => {
    if (await bar.isVisible()) await bar.click({ timeout: 2_000 });
    await expect(folder).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
}

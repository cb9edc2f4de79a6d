import { expect, type Locator, type Page } from '@playwright/test';
import { screenshot } from './screens';

export function row(page: Page, identity: string): Locator {
  return page.locator(`[data-testid="bottle-row"][data-identity="${identity}"]`);
}

/** The bottle view docked under the list (its test id is the one it had as the terminal panel). */
export function bottlePanel(page: Page): Locator {
  return page.getByTestId('terminal-panel');
}

export async function showRows(page: Page): Promise<void> {
  await page.getByTestId('view-rows').check();
  await expect(page.locator('.list-rows')).toBeVisible();
}

/** Text currently in the shell tab's xterm screen. */
export async function shellText(page: Page): Promise<string> {
  return page.locator('[data-testid="shell"] .xterm-rows').innerText();
}

/** One screenshot in the light theme and one in the dark, back to light afterwards. */
export async function shootBoth(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Presses Tab until the focused element is the button named `name` (a keyboard user's way there). */
export async function tabTo(page: Page, name: string, limit = 15): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    const focused = await page.evaluate(() => (document.activeElement?.textContent ?? '').trim());
    if (focused === name) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`no button "${name}" reached with ${limit} Tab presses`);
}

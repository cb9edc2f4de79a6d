import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';

const COUNT = 500;
let home = '';
let serve: ServeProcess;

type Dom = { document: { querySelectorAll(selector: string): { length: number } } };

/** 500 bottles straight from the state folder (no containers): what the list must stay smooth with. */
test.beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'claude-bottle-e2e-many-'));
  const base = Date.parse('2026-11-20T08:00:00Z');
  for (let index = 0; index < COUNT; index += 1) {
    const identity = `load-${index.toString(36).padStart(5, '0')}`;
    const dir = join(home, 'state', identity);
    await mkdir(dir, { recursive: true });
    const metadata = {
      identity,
      agent_name: index % 3 === 0 ? 'claude' : 'load-agent',
      cwd: `/home/operator/projects/service-${index % 40}`,
      copy_cwd: index % 2 === 0,
      started_at: new Date(base + index * 60_000).toISOString().replace('Z', '+00:00'),
    };
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata));
  }
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await rm(home, { recursive: true, force: true });
});

test(`${COUNT} bottles: every card renders, newest first, and the filter narrows them`, async ({ page }) => {
  const started = Date.now();
  await page.goto(serve.url);
  // Runs in the page (the e2e files compile without the DOM library, hence the cast).
  await page.waitForFunction(
    (count) => (globalThis as unknown as Dom).document.querySelectorAll('[data-testid="bottle-card"]').length >= count,
    COUNT,
    { polling: 'raf', timeout: 30_000 },
  );
  const loadMs = Date.now() - started;
  test.info().annotations.push({ type: 'page load → all cards rendered', description: `${loadMs} ms for ${COUNT} bottles` });
  process.stdout.write(`[many-bottles] page load → ${COUNT} cards rendered: ${loadMs} ms\n`);
  // Speed is `npm run bench`'s to judge (target 1 s); here only that every card arrives, in order.

  const first = page.getByTestId('bottle-card').first();
  await expect(first).toHaveAttribute('data-identity', `load-${(COUNT - 1).toString(36).padStart(5, '0')}`);
  await screenshot(page, '17-many-bottles');

  const filterStarted = Date.now();
  await page.getByTestId('filter-input').fill('service-7');
  await page.waitForFunction(
    () => (globalThis as unknown as Dom).document.querySelectorAll('[data-testid="bottle-card"]').length < 100,
    undefined,
    { polling: 'raf' },
  );
  const filterMs = Date.now() - filterStarted;
  process.stdout.write(`[many-bottles] filter over ${COUNT} cards: ${filterMs} ms\n`);
  await expect(page.getByTestId('bottle-card').first()).toBeVisible();
});

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { BottleView } from '../../src/shared/bottle-view';
import { startServe } from '../../e2e/helpers/serve-process';
import { cli, docker, median, percentile, timed, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';
import { generateStateFolders } from '../fixtures';

const ROUNDS = 15;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Resolves with Date.now() in the page when the card's status pill shows `status`. Written as a
 * string: tsx would wrap named inner functions in a helper that does not exist in the page.
 */
function whenStatus(page: Page, identity: string, status: string): Promise<number> {
  const selector = JSON.stringify(`[data-identity="${identity}"] [data-testid="status-pill"]`);
  return page.evaluate(`new Promise((resolve) => {
    const check = () => {
      const pill = document.querySelector(${selector});
      if (!pill || pill.getAttribute('data-status') !== ${JSON.stringify(status)}) return false;
      resolve(Date.now());
      return true;
    };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  })`) as Promise<number>;
}

/**
 * Resolves when the list knows at least `count` bottles and has painted its first ones (the list
 * is windowed: only what fits on screen is in the page), one frame after they appeared.
 */
async function whenListShown(page: Page, count: number): Promise<void> {
  await page.evaluate(`new Promise((resolve) => {
    const done = () => {
      const list = document.querySelector('.virtual-list');
      return list !== null && Number(list.getAttribute('data-count')) >= ${count} && document.querySelector('[data-testid="bottle-card"], [data-testid="bottle-row"]') !== null;
    };
    const painted = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    if (done()) return painted();
    const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); painted(); } });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  })`);
}

/** A container killed by hand with `docker kill` → its card shows it exited (p95 over rounds). */
export async function cardLatencyFigure(env: BenchEnv): Promise<Figure> {
  const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
  const serve = await startServe(env.home);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(serve.url);
    const name = `claude-bottle-${view.identity}`;
    const latencies: number[] = [];
    const dockerTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await whenStatus(page, view.identity, 'running');
      const shown = whenStatus(page, view.identity, 'exited');
      shown.catch(() => undefined); // awaited below; a failure before that must not go unhandled
      const issued = Date.now();
      dockerTimes.push((await timed(() => docker(['kill', name]))).seconds);
      latencies.push(((await shown) - issued) / 1000);
      await docker(['start', name]);
    }
    const p95 = percentile(latencies, 95);
    return {
      figure: 'docker kill by hand → card shows exited (p95; docker = kill CLI time)',
      ours: p95,
      docker: median(dockerTimes),
      unit: 's',
      ratio: null,
      target: 'p95 ≤ 300 ms',
      pass: p95 <= 0.3,
      note: `median ${(median(latencies) * 1000).toFixed(0)} ms over ${ROUNDS}`,
    };
  } finally {
    await browser.close();
    await serve.stop();
  }
}

export async function rssMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface PageLoad {
  seconds: number;
  rssMb: number;
}

export type ListView = 'cards' | 'rows';

/** `count` generated bottles: median page load until the list shows (cards or rows), and serve's RSS. */
async function measurePageLoad(env: BenchEnv, count: number, rounds: number, view: ListView = 'cards'): Promise<PageLoad> {
  const home = await mkdtemp(join(tmpdir(), `claude-bottle-bench-ui-${count}-`));
  await generateStateFolders(home, count, env.project);
  const serve = await startServe(home);
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    // The operator's remembered choice, as the app stores it.
    await context.addInitScript(`localStorage.setItem('claude-bottle.list', ${JSON.stringify(JSON.stringify({ view, sort: 'age', group: false }))})`);
    const loads: number[] = [];
    // One warm-up load: the serving process reads every bottle once, then keeps them.
    for (let round = 0; round <= rounds; round += 1) {
      const page = await context.newPage();
      const { seconds } = await timed(async () => {
        await page.goto(serve.url);
        await whenListShown(page, count);
      });
      if (round > 0) loads.push(seconds);
      await page.close();
    }
    return { seconds: median(loads), rssMb: await rssMegabytes(serve.pid) };
  } finally {
    await browser.close();
    await serve.stop();
  }
}

/** 500 bottles: page load → the list shown; and the serving (main) process's RSS. */
export async function manyBottlesFigures(env: BenchEnv): Promise<Figure[]> {
  const { seconds: load, rssMb: rss } = await measurePageLoad(env, 500, 5);
  return [
    { figure: '500 bottles: page load → list shown (median of 5)', ours: load, docker: null, unit: 's', ratio: null, target: '≤ 1 s', pass: load <= 1 },
    { figure: '500 bottles: serving main process RSS', ours: rss, docker: null, unit: 'MB', ratio: null, target: '≤ 200 MB', pass: rss <= 200 },
  ];
}

const FIRST_RENDER_LIMIT_S = 0.4;
const FIRST_RENDER_GROWTH = 1.2;

/**
 * The app's first list (page load → list shown) at 5,000 bottles against the same at 1,000, in
 * the row view and in the card view: windowed, it must not grow with the number of bottles.
 */
export async function uiScaleFigures(env: BenchEnv): Promise<Figure[]> {
  const figures: Figure[] = [];
  let largeRss = 0;
  for (const view of ['rows', 'cards'] as const) {
    const small = await measurePageLoad(env, 1000, 5, view);
    const large = await measurePageLoad(env, 5000, 5, view);
    largeRss = Math.max(largeRss, large.rssMb);
    const growth = large.seconds / small.seconds;
    figures.push({
      figure: `first render, ${view}: 5,000 bottles (ratio to 1,000)`,
      ours: large.seconds,
      docker: null,
      unit: 's',
      ratio: null,
      target: `≤ ${FIRST_RENDER_GROWTH}× the 1,000 time, ≤ ${FIRST_RENDER_LIMIT_S * 1000} ms`,
      pass: growth <= FIRST_RENDER_GROWTH && large.seconds <= FIRST_RENDER_LIMIT_S,
      note: `1,000: ${(small.seconds * 1000).toFixed(0)} ms; ${growth.toFixed(2)}×; serve RSS ${small.rssMb.toFixed(0)} → ${large.rssMb.toFixed(0)} MB`,
    });
  }
  figures.push({ figure: 'serving process RSS with 5,000 bottles (after page loads)', ours: largeRss, docker: null, unit: 'MB', ratio: null, target: '≤ 250 MB', pass: largeRss <= 250 });
  return figures;
}

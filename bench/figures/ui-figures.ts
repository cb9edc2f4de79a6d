import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { BottleView } from '../../src/shared/bottle-view';
import { startServe, type ServeProcess } from '../../e2e/helpers/serve-process';
import { cli, docker, median, percentile, timed, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';
import { generateStateFolders } from '../fixtures';

const ROUNDS = 15;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
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
 * Resolves (with the page's clock) when `done` holds, one painted frame later. Written as a string:
 * tsx would wrap named inner functions in a helper that does not exist in the page.
 */
function whenPainted(page: Page, done: string): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const done = () => ${done};
    const painted = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    if (done()) return painted();
    const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); painted(); } });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  })`) as Promise<number>;
}

/** The first screen: some bottles painted, and the toolbar counting all `count` of them. */
const firstScreen = (count: number): string =>
  `document.querySelector('[data-testid="bottle-card"], [data-testid="bottle-row"]') !== null && Number((document.querySelector('.list-toolbar h2 .count')?.textContent ?? '').replace(/\\D/g, '')) >= ${count}`;
/** The whole list in the page's hands (windowed: only what fits on screen is rendered). */
const wholeList = (count: number): string => `Number(document.querySelector('.virtual-list')?.getAttribute('data-count')) >= ${count}`;

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
  /** To the first screen (median; p95 beside it). */
  seconds: number;
  p95: number;
  /** To the whole list. */
  wholeSeconds: number;
  rssMb: number;
}

export type ListView = 'cards' | 'rows';

/** Median page load until the first screen (and until the whole list) shows, for each serve, alternating. */
async function measurePageLoads(env: BenchEnv, counts: number[], rounds: number, view: ListView = 'cards'): Promise<PageLoad[]> {
  const serves: { count: number; serve: ServeProcess; first: number[]; whole: number[] }[] = [];
  const browser = await launchBrowser();
  try {
    for (const count of counts) {
      const home = await mkdtemp(join(tmpdir(), `claude-bottle-bench-ui-${count}-`));
      await generateStateFolders(home, count, env.project);
      serves.push({ count, serve: await startServe(home), first: [], whole: [] });
    }
    const context = await browser.newContext();
    // The operator's remembered choice, as the app stores it.
    await context.addInitScript(
      `localStorage.setItem('claude-bottle.list', ${JSON.stringify(JSON.stringify({ view, sort: 'age', group: false }))})`,
    );
    // Round 0 warms up: each serving process reads every bottle once, then keeps them. The sizes
    // alternate, so a machine that gets busier or quieter meanwhile weighs on both alike.
    for (let round = 0; round <= rounds; round += 1) {
      for (const entry of round % 2 === 0 ? serves : [...serves].reverse()) {
        const page = await context.newPage();
        await page.goto(entry.serve.url);
        const [first, whole] = await Promise.all([whenPainted(page, firstScreen(entry.count)), whenPainted(page, wholeList(entry.count))]);
        if (round > 0) {
          entry.first.push(first / 1000);
          entry.whole.push(whole / 1000);
        }
        await page.close();
      }
    }
    return await Promise.all(
      serves.map(async (entry) => ({
        seconds: median(entry.first),
        p95: percentile(entry.first, 95),
        wholeSeconds: median(entry.whole),
        rssMb: await rssMegabytes(entry.serve.pid),
      })),
    );
  } finally {
    await browser.close();
    for (const entry of serves) await entry.serve.stop();
  }
}

/** 500 bottles: page load → the list shown; and the serving (main) process's RSS. */
export async function manyBottlesFigures(env: BenchEnv): Promise<Figure[]> {
  const [{ wholeSeconds: load, rssMb: rss }] = (await measurePageLoads(env, [500], 5)) as [PageLoad];
  return [
    {
      figure: '500 bottles: page load → whole list in the page (median of 5)',
      ours: load,
      docker: null,
      unit: 's',
      ratio: null,
      target: '≤ 1 s',
      pass: load <= 1,
    },
    {
      figure: '500 bottles: serving main process RSS',
      ours: rss,
      docker: null,
      unit: 'MB',
      ratio: null,
      target: '≤ 200 MB',
      pass: rss <= 200,
    },
  ];
}

const FIRST_RENDER_LIMIT_S = 0.4;
const FIRST_RENDER_GROWTH = 1.2;
const SCALE_ROUNDS = 9;

/**
 * The app's first render (page load → the first screen painted, the toolbar counting them all) at
 * 5,000 bottles against 1,000, in the row view and in the card view: it must not grow with the
 * number of bottles. The whole list's arrival is noted beside it.
 */
export async function uiScaleFigures(env: BenchEnv): Promise<Figure[]> {
  const figures: Figure[] = [];
  let largeRss = 0;
  for (const view of ['rows', 'cards'] as const) {
    const [small, large] = (await measurePageLoads(env, [1000, 5000], SCALE_ROUNDS, view)) as [PageLoad, PageLoad];
    largeRss = Math.max(largeRss, large.rssMb);
    const growth = large.seconds / small.seconds;
    const ms = (seconds: number): string => `${(seconds * 1000).toFixed(0)} ms`;
    figures.push({
      figure: `first render, ${view}: 5,000 bottles (ratio to 1,000, median of ${SCALE_ROUNDS})`,
      ours: large.seconds,
      docker: null,
      unit: 's',
      ratio: null,
      target: `≤ ${FIRST_RENDER_GROWTH}× the 1,000 time, ≤ ${FIRST_RENDER_LIMIT_S * 1000} ms`,
      pass: growth <= FIRST_RENDER_GROWTH && large.seconds <= FIRST_RENDER_LIMIT_S,
      note: `p95 ${ms(large.p95)}; 1,000: ${ms(small.seconds)} (p95 ${ms(small.p95)}); ${growth.toFixed(2)}×; whole list ${ms(small.wholeSeconds)} → ${ms(large.wholeSeconds)}`,
    });
  }
  figures.push({
    figure: 'serving process RSS with 5,000 bottles (after page loads)',
    ours: largeRss,
    docker: null,
    unit: 'MB',
    ratio: null,
    target: '≤ 250 MB',
    pass: largeRss <= 250,
  });
  return figures;
}

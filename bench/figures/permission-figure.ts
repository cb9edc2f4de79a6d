import type { Page } from '@playwright/test';
import type { BottleView } from '../../src/shared/bottle-view';
import { startServe } from '../../e2e/helpers/serve-process';
import { cli, docker, median, percentile, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';
import { launchBrowser } from './ui-figures';

const ROUNDS = 15;

/**
 * Resolves with the page's Date.now() and the question's id when the card shows a permission
 * question other than `previous`. Written as a string: tsx would wrap named inner functions in a
 * helper that does not exist in the page.
 */
function whenQuestion(page: Page, identity: string, previous: string): Promise<{ at: number; id: string }> {
  const selector = JSON.stringify(`[data-identity="${identity}"] [data-testid="permission-request"]`);
  return page.evaluate(`new Promise((resolve) => {
    const check = () => {
      const area = document.querySelector(${selector});
      const id = area ? area.getAttribute('data-request-id') : null;
      if (!id || id === ${JSON.stringify(previous)}) return false;
      resolve({ at: Date.now(), id });
      return true;
    };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-request-id'] });
  })`) as Promise<{ at: number; id: string }>;
}

/**
 * An agent's permission question (the in-bottle tool its hook calls, started by `docker exec -d`)
 * → the question on its card, p95 over rounds; the reference is the `docker kill` → card p95 of the
 * same run (the engine's own event path to the same card).
 */
export async function permissionCardFigure(env: BenchEnv, killToCardP95: number): Promise<Figure> {
  const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
  const serve = await startServe(env.home);
  const browser = await launchBrowser();
  const name = `claude-bottle-${view.identity}`;
  try {
    const page = await browser.newPage();
    await page.goto(serve.url);
    const latencies: number[] = [];
    let previous = '';
    for (let round = 0; round < ROUNDS; round += 1) {
      const shown = whenQuestion(page, view.identity, previous);
      shown.catch(() => undefined); // awaited below; a failure before that must not go unhandled
      const issued = Date.now();
      const ask = ['permission', '--tool', 'Bash', '--detail', `npm test # round ${round}`, '--timeout', '120'];
      await docker(['exec', '-d', name, '/opt/claude-bottle/bin/bottle-report', ...ask]);
      const { at, id } = await shown;
      latencies.push((at - issued) / 1000);
      previous = id;
      await cli(['answer', view.identity, id, 'allow']);
    }
    const p95 = percentile(latencies, 95);
    return {
      figure: 'permission question (docker exec of the hook tool) → card (p95; docker = kill → card p95)',
      ours: p95,
      docker: killToCardP95,
      unit: 's',
      ratio: p95 / killToCardP95,
      target: 'p95 ≤ kill → card p95 × 1.5',
      pass: p95 <= killToCardP95 * 1.5,
      note: `median ${(median(latencies) * 1000).toFixed(0)} ms over ${ROUNDS}, docker exec included`,
    };
  } finally {
    await browser.close();
    await serve.stop();
    await cli(['rm', view.identity, '--force']).catch((error: unknown) =>
      process.stderr.write(`bench: could not remove ${view.identity}: ${String(error)}\n`),
    );
  }
}

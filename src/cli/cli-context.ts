import { createBottleContext, type BottleContext } from '../core/services/bottle-context';

/** A bottle context whose build and start progress is printed (to stderr when --json owns stdout). */
export function createCliContext(json: boolean): BottleContext {
  const ctx = createBottleContext();
  const out = json ? process.stderr : process.stdout;
  let lastStep = '';
  ctx.activity.subscribe((_identity, activity) => {
    const line = activity?.logTail[activity.logTail.length - 1];
    if (activity === null || line === undefined || line === lastStep) return;
    lastStep = line;
    const step = activity.step !== null && activity.totalSteps !== null ? `[${activity.step}/${activity.totalSteps}] ` : '';
    out.write(`  ${step}${line}\n`);
  });
  return ctx;
}

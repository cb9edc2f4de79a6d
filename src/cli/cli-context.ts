import { createCore, type Core } from '../core/create-core';

/** The CLI's core (not live: each command reads the truth when it runs), printing build and start progress. */
export function createCliCore(json = false): Core {
  const core = createCore();
  // Progress goes to stderr when --json owns stdout.
  const out = json ? process.stderr : process.stdout;
  let lastStep = '';
  core.context.activity.subscribe((_identity, activity) => {
    const line = activity?.logTail[activity.logTail.length - 1];
    if (activity === null || activity.error !== null || line === undefined || line === lastStep) return;
    lastStep = line;
    const step = activity.step !== null && activity.totalSteps !== null ? `[${activity.step}/${activity.totalSteps}] ` : '';
    out.write(`  ${step}${line}\n`);
  });
  return core;
}

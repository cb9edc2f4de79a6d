import type { DisposableStore } from '../core/base/disposable';
import { createCore, type Core } from '../core/create-core';
import { writeText } from './cli-io';

/**
 * The CLI's core (not live: each command reads the truth when it runs), printing build and start
 * progress; owned by the command, closed with it.
 */
export function createCliCore(owner: DisposableStore, json = false): Core {
  const core = createCore();
  owner.add({ dispose: () => core.close() });
  let lastStep = '';
  const stopProgress = core.deps.activity.subscribe((_identity, activity) => {
    const line = activity?.logTail[activity.logTail.length - 1];
    if (activity === null || activity.error !== null || line === undefined || line === lastStep) return;
    lastStep = line;
    const step = activity.step !== null && activity.totalSteps !== null ? `[${activity.step}/${activity.totalSteps}] ` : '';
    // Build output echoes the agent's Dockerfile, so it is escaped like all we print; on stderr when --json owns stdout.
    writeText(`  ${step}${line}\n`, { stderr: json });
  });
  owner.add({ dispose: stopProgress });
  return core;
}

/**
 * The bottle a command's `<id>` argument names: a full identity, a unique prefix or suffix of one,
 * or a bottle's name (bottle-ref.ts); every command taking one resolves it here.
 */
export function bottleArg(core: Core, ref: string | undefined): Promise<string> {
  return core.bottles.resolve(ref ?? '');
}

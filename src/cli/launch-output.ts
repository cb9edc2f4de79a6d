import type { Core } from '../core/create-core';
import { earlyExitTiming } from '../shared/early-exit-text';
import { sessionEndedLine } from '../shared/resume-line';
import { info, printJson } from './cli-io';
import { attachTerminal } from './terminal-attach';

export interface LaunchOutput {
  json: boolean;
  detach: boolean;
  /** e.g. "started dev-abcde". */
  done: string;
  /** Printed instead of attaching, with --detach. */
  detached?: string;
}

/**
 * What start and resume do once the bottle runs: print its view (--json), or say so and either
 * return (--detach) or attach this terminal and, when the session ends, print how to resume.
 */
export async function finishLaunch(core: Core, identity: string, output: LaunchOutput): Promise<number> {
  if (output.json) {
    printJson((await core.bottles.view(identity)) ?? { identity });
    return 0;
  }
  info(output.done);
  if (output.detach) {
    if (output.detached !== undefined) info(output.detached);
    return 0;
  }
  await attachTerminal(core, identity);
  // An agent that died on start: say why, not just that the session ended.
  // (A view that cannot be read only costs the hint; the resume line below still shows.)
  const earlyExit = (await core.bottles.view(identity).catch((_error: unknown) => null))?.earlyExit ?? null;
  if (earlyExit !== null)
    info(`\nthe agent exited on start: ${earlyExit.reason} (${earlyExitTiming(earlyExit)}); details: claude-bottle show ${identity}`);
  info(`\n${sessionEndedLine(identity)}`);
  return 0;
}

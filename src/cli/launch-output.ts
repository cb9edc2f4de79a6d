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

/**
 * Before start and resume launch: each subscription login that runs out soon is refreshed here, at
 * home (issue 20), so the bottle's gateway signs with a fresh one. A refusal or an unreachable
 * service is said and the launch goes on (the agent then shows it is signed out).
 */
export async function refreshLoginsBeforeLaunch(core: Core, json: boolean): Promise<void> {
  for (const outcome of await core.credentials.refreshDue()) {
    if (outcome.result === 'refused' || outcome.result === 'signed-out')
      info(
        `${outcome.set}: signed out${outcome.reason === null ? '' : `: ${outcome.reason}`} (see claude-bottle credentials status)`,
        json,
      );
    else if (outcome.result === 'failed')
      info(`${outcome.set}: could not refresh the sign-in (tried again at the next start): ${outcome.reason ?? ''}`, json);
  }
}

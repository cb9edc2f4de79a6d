import type { EarlyExitView } from './bottle-view';

/** "after 3 s, exit code 1": how long the agent ran and how it ended, for the card and `show`. */
export function earlyExitTiming(earlyExit: EarlyExitView): string {
  const ran = earlyExit.seconds < 1 ? 'within a second' : `after ${earlyExit.seconds} s`;
  return earlyExit.exitCode === null ? ran : `${ran}, exit code ${earlyExit.exitCode}`;
}

import { resolve } from 'node:path';
import { createCliCore } from '../cli-context';
import { confirm, info, onTerminal, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';
import { agentReviewText } from '../review-output';

const USAGE = 'claude-bottle trust project:<agent> [--cwd DIR] [--yes]';

/**
 * Trusts a project's own agent (DESIGN.md §4) after showing its agent.json and Dockerfile. Trust
 * is pinned to the hash of what was shown: any later change to the folder asks again.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { cwd: { type: 'string' }, yes: { type: 'boolean' } }, USAGE);
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new UsageError(`expected one project agent name (usage: ${USAGE})`);
  const yes = values.yes === true;
  if (!yes && !onTerminal()) {
    throw new UsageError('trust needs --yes when not run from a terminal: it cannot show you the agent first');
  }
  const cwd = resolve(typeof values.cwd === 'string' ? values.cwd : process.cwd());
  const core = createCliCore(owner);
  const review = await core.agents.review(name, cwd);
  info(agentReviewText(review));
  if (review.trust === 'trusted') {
    info(`\n${review.name} is already trusted as it is`);
    return 0;
  }
  if (!yes && !(await confirm(`\nTrust ${review.name} to build and run with the variables above? [y/N] `))) {
    info('not trusted; nothing changed');
    return 1;
  }
  await core.agents.trust(name, cwd, review.contextHash);
  info(`\ntrusted ${review.name}; start it with: claude-bottle start ${review.name} --cwd ${cwd}`);
  return 0;
};

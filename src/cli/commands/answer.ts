import { PERMISSION_ANSWERS, type PermissionAnswer } from '../../shared/agent-reports';
import { MAX_REJECT_MESSAGE_CHARS } from '../../shared/rules';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle answer <identity> <request> allow|always|deny [--message TEXT]';

const ANSWERED: Record<PermissionAnswer, string> = { allow: 'allowed', always: 'allowed (always, for this kind)', deny: 'denied' };

function isAnswer(value: string): value is PermissionAnswer {
  return (PERMISSION_ANSWERS as readonly string[]).includes(value);
}

/** Answers a permission question the bottle's agent waits on, as the approval panel does (issue 21). */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { message: { type: 'string' } }, USAGE);
  if (positionals.length !== 3) throw new UsageError(`expected an identity, a request and an answer (usage: ${USAGE})`);
  const [rawIdentity, requestId, answer] = positionals as [string, string, string];
  if (!isAnswer(answer)) throw new UsageError(`the answer must be allow, always or deny, not ${JSON.stringify(answer.slice(0, 40))}`);
  const message = typeof values.message === 'string' ? values.message : '';
  if (message.length > MAX_REJECT_MESSAGE_CHARS) throw new UsageError(`--message is longer than ${MAX_REJECT_MESSAGE_CHARS} characters`);
  const core = createCliCore(owner);
  // Resolved as every command's <identity> is: a bottle that is not there is named as such, not as a missing question.
  const identity = await bottleArg(core, rawIdentity);
  await core.bottles.answerPermission(identity, requestId, answer, message);
  info(`${ANSWERED[answer]} ${requestId} for ${identity}; the agent finds the answer in its inbox`);
  return 0;
};

import { resumeLine } from '../../shared/resume-line';
import { bottleArg, createCliCore } from '../cli-context';
import { confirm, info, onTerminal, parseCommandArgs, UsageError, writeText, type CliCommand } from '../cli-io';
import { requestText, stdoutWantsColour } from '../review-output';

const USAGE = 'claude-bottle approve <identity> [--request ID] [--resume] [--yes]';

/**
 * Approve shows what it approves (DESIGN.md §7): on a terminal it prints the reason, the risk notes
 * and the diff and asks; the approval is then for exactly that proposal. Without a terminal nobody
 * can be shown anything, so it needs --yes.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { request: { type: 'string' }, resume: { type: 'boolean' }, yes: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  const resume = values.resume === true;
  const yes = values.yes === true;
  if (!yes && !onTerminal()) {
    throw new UsageError(
      `approve needs --yes when not run from a terminal: it cannot show you the request first (read it with: claude-bottle show ${identity})`,
    );
  }
  let requestId = typeof values.request === 'string' ? values.request : undefined;
  let proposalHash: string | undefined;
  if (!yes) {
    const request = await core.bottles.request(identity, requestId);
    // requestText escapes every piece it was given, so its colours are the only escapes written as they are.
    const colour = stdoutWantsColour();
    writeText(`${requestText(request, colour)}\n`, { raw: colour });
    if (!(await confirm(`\nApprove ${request.id} and rebuild ${identity}${resume ? ', then resume it' : ''}? [y/N] `))) {
      // Declining is an answer, not a failure: the request stays pending, to approve or reject later.
      info(`not approved; nothing changed (the request stays pending: claude-bottle reject ${identity} to refuse it)`);
      return 0;
    }
    requestId = request.id;
    proposalHash = request.proposalHash;
  }
  const result = await core.bottles.approve(identity, { requestId, resume, proposalHash });
  info(`approved ${result.requestId} for ${identity} (image ${result.imageId.replace(/^sha256:/, '').slice(0, 12)})`);
  if (resume) info(`resumed ${identity}; attach with: claude-bottle attach ${identity}`);
  else info(`bottle ${identity} is ready to resume: ${resumeLine(identity)}`);
  return 0;
};

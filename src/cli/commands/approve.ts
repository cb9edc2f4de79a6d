import { open } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import { dockerfileRiskNotes } from '../../shared/dockerfile-risks';
import { escapeControl } from '../../shared/escape-text';
import { resumeLine } from '../../shared/resume-line';
import { MAX_EDITED_DOCKERFILE_BYTES } from '../../shared/rules';
import { bottleArg, createCliCore } from '../cli-context';
import { confirm, info, onTerminal, parseCommandArgs, UsageError, writeText, type CliCommand } from '../cli-io';
import { requestText, riskLines, stdoutWantsColour } from '../review-output';

const USAGE = 'claude-bottle approve <identity> [--request ID] [--dockerfile FILE] [--resume] [--yes]';

/**
 * The operator's edited Dockerfile (`--dockerfile FILE`), read up to one byte past the cap so a
 * huge file (or a device that never ends) is refused without being read whole; the core checks
 * the text itself (size, NUL, empty) as it checks every front end's.
 */
async function readEditedDockerfile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error: unknown) {
    throw new UsageError(`cannot read --dockerfile ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_EDITED_DOCKERFILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_EDITED_DOCKERFILE_BYTES)
      throw new UsageError(`--dockerfile ${path} is larger than ${MAX_EDITED_DOCKERFILE_BYTES} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** What the operator's file changes in the proposal, and its risk notes, as `approve` prints them. */
function editText(proposed: string, current: string, edited: string): string {
  if (edited === proposed) return 'your --dockerfile is the proposal as it is';
  const diff = createTwoFilesPatch('Dockerfile', 'Dockerfile', proposed, edited, 'proposed', 'approved', { context: 2 });
  const lines = ['', 'your edits (proposed → approved; the agent is told what you changed):', escapeControl(diff.trimEnd())];
  return [...lines, ...riskLines(dockerfileRiskNotes(edited, current))].join('\n');
}

/**
 * Approve shows what it approves (DESIGN.md §7): on a terminal it prints the reason, the risk notes
 * and the diff (and, with --dockerfile, the operator's edits and their risk notes) and asks; the
 * approval is then for exactly that proposal. Without a terminal nobody can be shown anything, so it needs --yes.
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { request: { type: 'string' }, dockerfile: { type: 'string' }, resume: { type: 'boolean' }, yes: { type: 'boolean' } },
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
  const dockerfile = typeof values.dockerfile === 'string' ? await readEditedDockerfile(values.dockerfile) : undefined;
  let requestId = typeof values.request === 'string' ? values.request : undefined;
  let proposalHash: string | undefined;
  if (!yes) {
    const request = await core.bottles.request(identity, requestId);
    // requestText escapes every piece it was given, so its colours are the only escapes written as they are.
    const colour = stdoutWantsColour();
    writeText(`${requestText(request, colour)}\n`, { raw: colour });
    if (dockerfile !== undefined) info(editText(request.proposedDockerfile, request.currentDockerfile, dockerfile));
    const what = dockerfile === undefined ? '' : ' with your edits';
    if (!(await confirm(`\nApprove ${request.id}${what} and rebuild ${identity}${resume ? ', then resume it' : ''}? [y/N] `))) {
      // Declining is an answer, not a failure: the request stays pending, to approve or reject later.
      info(`not approved; nothing changed (the request stays pending: claude-bottle reject ${identity} to refuse it)`);
      return 0;
    }
    requestId = request.id;
    proposalHash = request.proposalHash;
  }
  const result = await core.bottles.approve(identity, { requestId, resume, proposalHash, dockerfile });
  const how = dockerfile === undefined ? 'approved' : 'approved with your edits';
  info(`${how} ${result.requestId} for ${identity} (image ${result.imageId.replace(/^sha256:/, '').slice(0, 12)})`);
  if (resume) info(`resumed ${identity}; attach with: claude-bottle attach ${identity}`);
  else info(`bottle ${identity} is ready to resume: ${resumeLine(identity)}`);
  return 0;
};

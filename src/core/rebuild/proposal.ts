import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { escapeCharacter, finalUser, isRootUser } from '../../shared/dockerfile-lines';
import { BottleError } from '../base/bottle-error';
import type { CapabilityRequest } from './request-schema';

export { finalUser } from '../../shared/dockerfile-lines';

/**
 * `--run` requests: the current Dockerfile plus one RUN line per command, in order. Installing a
 * tool needs root, and agent images usually end by switching to their non-root user, so the RUN
 * lines go between `USER root` and a switch back to that user.
 */
export function composeProposedDockerfile(request: CapabilityRequest, current: string): string {
  if ('dockerfile' in request) return request.dockerfile;
  // The schema refuses a trailing backslash; a Dockerfile may have chosen another escape character.
  const escape = escapeCharacter(current);
  if (request.run.some((command) => command.trim().endsWith(escape))) {
    throw new BottleError('invalid-argument', `a --run command must not end with ${escape}, the Dockerfile's line continuation`);
  }
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  const runs = request.run.map((command) => `RUN ${command.trim()}\n`).join('');
  const user = finalUser(base);
  if (user === null || isRootUser(user)) return `${base}${runs}`;
  return `${base}USER root\n${runs}USER ${user}\n`;
}

/** SHA-256 of a proposed Dockerfile: approving with it approves exactly that text. */
export function proposalHash(proposed: string): string {
  return createHash('sha256').update(proposed).digest('hex');
}

/** Unified diff, current → proposed, as the operator reviews it. */
export function dockerfileDiff(current: string, proposed: string): string {
  return createTwoFilesPatch('Dockerfile', 'Dockerfile', current, proposed, 'current', 'proposed', { context: 3 });
}

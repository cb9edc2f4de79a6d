/**
 * Forks of a bottle (issue 24): what the CLI, the core and the UI agree on. Pure: imported by every
 * front end.
 */
import type { CheckpointView } from './checkpoints';

/** How many bottles one fork makes at most. */
export const MAX_FORK_COUNT = 8;

/** What a fork takes beyond the parent's identity; every field optional, as the CLI's flags are. */
export interface ForkRequest {
  /** The checkpoint to fork from (its id, or its name when only one has it); absent: a new one taken now. */
  from?: string | undefined;
  /** How many bottles, 1..MAX_FORK_COUNT; absent: 1. */
  count?: number | undefined;
  /** Their names: NAME, NAME-2, NAME-3…; absent: the parent's name + "-fork-N" (none when the parent has none). */
  name?: string | undefined;
  /** Each fork's first instruction, given after the forked conversation (the agent's promptArgs). */
  prompt?: string | undefined;
}

/** One bottle a fork made. */
export interface ForkedBottle {
  identity: string;
  name: string | null;
}

export interface ForkResult {
  parent: string;
  /** The checkpoint every fork was made from (taken now when none was named). */
  checkpoint: CheckpointView;
  forks: ForkedBottle[];
}

/** Why a fork count is refused, or null when it is one. */
export function forkCountProblem(count: number): string | null {
  return Number.isInteger(count) && count >= 1 && count <= MAX_FORK_COUNT
    ? null
    : `the count must be a whole number from 1 to ${MAX_FORK_COUNT}`;
}

/** The names a fork of `count` named `name` gives: NAME, NAME-2, NAME-3… */
export function forkNames(name: string, count: number): string[] {
  return Array.from({ length: count }, (_unused, index) => (index === 0 ? name : `${name}-${index + 1}`));
}

import type { CredentialStatus } from '../../shared/credentials-view';
import { loadAgent } from '../agents/agents';
import { CLAUDE_CREDENTIAL_SET, credentialSetOf, secretEnvNames } from '../credentials/agent-secrets';
import { refreshAllDue, type RefreshOutcome } from '../credentials/credential-refresh';
import { credentialStatus } from '../credentials/credential-status';
import { secretValueProblem } from '../credentials/credential-kinds';
import { forgetSet, storeEnv } from '../credentials/credential-store';
import { BottleError } from '../base/bottle-error';
import type { CoreDeps } from '../deps/core-deps';
import { runSignIn, type SignInOptions } from '../bottles/sign-in-flow';

export interface CredentialServiceHooks {
  /** A set's status changed (a sign-out, a stored value, a login picked up from a bottle). */
  changed(status: CredentialStatus): void;
}

/**
 * Signing in once, for every front end: how an agent's credential set is signed in, signing out,
 * and storing a token or key for bottles to get. The shipped Claude Code agent's set (`claude`)
 * is the default; `agent` names another agent's set.
 */
export class CredentialService {
  /** `deps`: the engines the sign-in flow runs its container on (the current one). */
  constructor(
    private readonly hooks: CredentialServiceHooks,
    private readonly deps: CoreDeps,
  ) {}

  /**
   * The sign-in flow (sign-in-flow.ts): the agent's signIn command in a short-lived container on
   * the current engine, its TTY on the front end's terminal; its login replaces the stored one.
   */
  async signIn(options: SignInOptions): Promise<CredentialStatus> {
    const result = await runSignIn(this.deps, options);
    return this.announce(result.set);
  }

  async status(agent?: string): Promise<CredentialStatus> {
    return credentialStatus(await this.setOf(agent));
  }

  /** Sign out: the stored values go, and with the next table push the gateways sign nothing with them (running bottles too). */
  async forget(agent?: string): Promise<CredentialStatus> {
    const set = await this.setOf(agent);
    await forgetSet(set);
    return this.announce(set);
  }

  /** Stores a secret variable (e.g. the token `claude setup-token` prints) for the agent's bottles. */
  async setSecret(name: string, value: string, agent?: string): Promise<CredentialStatus> {
    const set = await this.setOf(agent);
    const allowed =
      agent === undefined ? ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'] : secretEnvNames((await loadAgent(agent)).config);
    if (!allowed.includes(name))
      throw new BottleError('invalid-argument', `${name} is not a secret this agent reads (one of: ${allowed.join(', ') || 'none'})`);
    // Pasting adds a newline or spaces around the value; inside it, they mean it is no value.
    const trimmed = value.trim();
    const problem = secretValueProblem(name, trimmed);
    if (problem !== null) throw new BottleError('invalid-argument', `${problem}; not stored`);
    await storeEnv(set, name, trimmed);
    return this.announce(set);
  }

  /**
   * Refreshes every subscription login of the store that runs out soon (the live core's timer, and
   * each CLI start and resume before it launches); tells the front ends of each one that changed.
   */
  async refreshDue(): Promise<RefreshOutcome[]> {
    const outcomes = await refreshAllDue();
    for (const outcome of outcomes) if (outcome.result === 'refreshed' || outcome.result === 'refused') await this.announce(outcome.set);
    return outcomes;
  }

  /** Tells the front ends a set changed (the live core's sync calls this too). */
  async announce(set: string): Promise<CredentialStatus> {
    const status = await credentialStatus(set);
    this.hooks.changed(status);
    return status;
  }

  private async setOf(agent: string | undefined): Promise<string> {
    return agent === undefined ? CLAUDE_CREDENTIAL_SET : credentialSetOf(await loadAgent(agent));
  }
}

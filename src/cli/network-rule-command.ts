import { parseHostPattern, parseTargetHost, patternMatches, type RuleEffect } from '../shared/network-policy';
import { bottleArg, createCliCore } from './cli-context';
import { confirm, info, onTerminal, parseCommandArgs, UsageError, type CliCommand } from './cli-io';

/*
 * `allow` and `deny` (issue 19): answer the bottle's gateway from a script. With --once, the held
 * request for exactly that HOST:PORT is answered and nothing is kept. Without, the rule is kept for
 * the bottle (or, with --agent, for every bottle of its agent) and answers every held request it
 * matches. Allowing widens what an agent may reach, so as for `approve` it is shown and asked on a
 * terminal, and needs --yes without one; denying only narrows it and is never asked.
 */

function usage(effect: RuleEffect): string {
  return `claude-bottle ${effect} <identity> HOST[:PORT] [--agent] [--once]${effect === 'allow' ? ' [--yes]' : ''}`;
}

export function networkRuleCommand(effect: RuleEffect): CliCommand {
  const USAGE = usage(effect);
  return async (argv, owner) => {
    // --yes is taken by deny too (and changes nothing there), so a script can answer either way alike.
    const { values, positionals } = parseCommandArgs(
      argv,
      { agent: { type: 'boolean' }, once: { type: 'boolean' }, yes: { type: 'boolean' } },
      USAGE,
    );
    if (positionals.length !== 2) throw new UsageError(`expected an identity and HOST[:PORT] (usage: ${USAGE})`);
    const core = createCliCore(owner);
    const identity = await bottleArg(core, positionals[0]);
    const pattern = parseHostPattern(positionals[1] ?? '');
    if (!pattern.ok) throw new UsageError(pattern.error);
    const once = values.once === true;
    const forAgent = values.agent === true;
    if (once && forAgent) throw new UsageError(`--once answers one held request; --agent keeps a rule: not both (usage: ${USAGE})`);
    const yes = values.yes === true;
    if (effect === 'allow' && !yes && !onTerminal())
      throw new UsageError(
        `allow needs --yes when not run from a terminal: it cannot ask you first (held requests: claude-bottle net ${identity})`,
      );
    const text = pattern.value.text;
    const held = (await core.network.pending(identity)).filter((request) => {
      const target = parseTargetHost(request.host);
      return target.ok && patternMatches(pattern.value, target.value, request.port);
    });
    if (once && held.length === 0)
      throw new UsageError(`${identity} holds no network request for ${text} (see: claude-bottle net ${identity})`);
    if (effect === 'allow' && !yes) {
      const whom = once ? 'this once' : forAgent ? `for every bottle of ${identity}'s agent` : `for ${identity}`;
      if (!(await confirm(`Allow ${text} ${whom}${held.length > 0 ? ` (answers ${held.length} held request(s))` : ''}? [y/N] `))) {
        info('not allowed; nothing changed');
        return 1;
      }
    }
    if (once) {
      for (const request of held) await core.network.answer(identity, request.id, effect === 'allow' ? 'once' : 'deny');
      info(`${effect === 'allow' ? 'allowed' : 'denied'} ${text} once for ${identity} (${held.map((request) => request.id).join(', ')})`);
      return 0;
    }
    const answered = await core.network.addRule(identity, effect, text, forAgent);
    info(
      `${effect === 'allow' ? 'allowed' : 'denied'} ${text} ${forAgent ? `for every bottle of ${identity}'s agent` : `for ${identity}`}`,
    );
    if (answered.length > 0) info(`answered held request(s): ${answered.map((request) => request.id).join(', ')}`);
    return 0;
  };
}

import { networkRuleCommand } from '../network-rule-command';

/** `claude-bottle deny <id> HOST[:PORT] [--agent] [--once]` (network-rule-command.ts). */
export const run = networkRuleCommand('deny');

import { networkRuleCommand } from '../network-rule-command';

/** `claude-bottle allow <id> HOST[:PORT] [--agent] [--once] [--yes]` (network-rule-command.ts). */
export const run = networkRuleCommand('allow');

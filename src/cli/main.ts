import { DisposableStore } from '../core/base/disposable';
import { fail, info, UsageError, type CliCommand } from './cli-io';
import { helpText } from './help-text';

/**
 * The help: each command's synopsis and what it does. Printed as two columns measured from the
 * table (helpText), so a synopsis added or lengthened cannot push one description out of line.
 */
const HELP: readonly (readonly [synopsis: string, description: string])[] = [
  [
    'start <agent|project:agent> [--cwd DIR] [--copy] [--autonomous] [--net ask|locked|open] [--context NAME] [--name NAME] [--prompt TEXT] [--detach] [--json]',
    "start a new bottle (--autonomous: no permission prompts; --net: its network mode, ask by default; --context: on that Docker context; --name: what ls shows and <identity> takes; --prompt: the agent's first task)",
  ],
  ['resume <identity> [--detach] [--json]', 'continue a bottle with its transcript'],
  ['ls [--json]', 'list bottles'],
  ['show <identity> [--json]', 'one bottle: status, engine, pending request and diff'],
  [
    'inspect <identity> [--raw] [--json]',
    'how its container runs: user (root warned of), env names, networks; --raw: engine JSON, env values cut',
  ],
  [
    'approve <identity> [--request ID] [--dockerfile FILE] [--resume] [--yes]',
    'show a capability-block request, then approve it (FILE: your edit of it)',
  ],
  ['reject <identity> [--request ID] [--message TEXT]', 'reject a capability-block request'],
  [
    'answer <identity> <request> allow|always|deny [--message TEXT]',
    "answer the agent's permission question (always: do not ask again for this kind; deny: the message goes to it)",
  ],
  ['net <identity> [--log] [--limit N] [--json]', 'network requests the gateway holds for you; --log: its connections'],
  [
    'allow <identity> HOST[:PORT] [--agent] [--once] [--yes]',
    'let the bottle reach HOST:PORT (--agent: every bottle of its agent; --once: only the held request, nothing kept)',
  ],
  ['deny <identity> HOST[:PORT] [--agent] [--once]', 'refuse it (--once: only the held request)'],
  ['stop <identity>', 'save state and remove the container'],
  ['rm <identity> [--keep-state] [--force]', 'remove a bottle (--force: even with copy-mode work not yet applied)'],
  ['attach <identity>', 'attach this terminal (detach: Ctrl-P Ctrl-Q)'],
  ['send <identity> TEXT', "type TEXT into the agent's terminal and press Enter"],
  ['logs <identity> [--follow] [--tail N]', "the bottle's output (what its terminal showed)"],
  ['trust project:<agent> [--cwd DIR] [--yes]', "show a project's own agent, then trust it"],
  [
    'credentials [status|login|forget|set NAME] [--agent A] [--json]',
    'how Claude is signed in; sign in (in a short-lived container); sign out; store a token',
  ],
  [
    'diff <identity> [--since-apply] [--stat] [--json] [--file PATH] [--raw]',
    'what the agent changed since its bottle started (--since-apply: only what is new since the last apply; --raw: control characters unescaped)',
  ],
  [
    'diff <identity> --against <other> [--stat] [--json]',
    'copy mode: the files that differ between two bottles of one project folder (a fork and its parent)',
  ],
  [
    'apply <identity> [<path>...] [--dry-run] [--no-sidecars] [--json]',
    'copy mode: bring those changes (or those files) into the project folder',
  ],
  [
    'resolve <identity> <path> [--take host|agent|FILE]',
    'copy mode: a file in conflict; prints the three-way merge, or saves one side or FILE as the result',
  ],
  ['export <identity> (--branch NAME | --patch FILE)', "the agent's work as a git branch or a patch"],
  [
    'checkpoint <identity> [--name TEXT] [--drop CHECKPOINT] [--json]',
    'copy mode: save its workspace, transcript, Dockerfile, image and git state (a running bottle is paused only for the copy); --drop: remove one',
  ],
  ['checkpoints <identity> [--json]', 'its checkpoints: id, time, size, git HEAD, name; their total against the budget'],
  [
    'restore <identity> CHECKPOINT [--yes] [--json]',
    'copy mode, stopped: its next resume starts from that checkpoint (id or name): workspace, transcript, Dockerfile, image; what it replaces is kept as a checkpoint',
  ],
  [
    'timeline <identity> [--json] [--kind K,...] [--export FILE.jsonl [--ocsf] [--force]]',
    'everything it did, in order: starts, stops, requests and decisions, builds, checkpoints, applies, exports, agent turns; --export: as JSON Lines (--ocsf: its request decisions as OCSF events)',
  ],
  [
    'fork <identity> [--from CHECKPOINT] [--count N] [--name NAME] [--prompt TEXT] [--detach] [--json]',
    'copy mode: N (1-8) new bottles from a checkpoint (or one taken now), each continuing the conversation on its own; --prompt: their first instruction',
  ],
  ['serve [--port N]', 'browser mode on 127.0.0.1'],
  ['--version, -V', 'print the version'],
];

/** The usage text, laid out only when it is printed: every other command's start-up skips the work. */
function usage(): string {
  return [
    'usage: claude-bottle <command> [options]',
    '',
    helpText(HELP),
    '',
    "<identity>: the bottle's full identity, a unique prefix or suffix of one, or its --name.",
  ].join('\n');
}

/** Set by scripts/build-cli.mjs from package.json. */
declare const __CLAUDE_BOTTLE_VERSION__: string;

// Commands load lazily so `ls` does not pay for the web server and `serve` not for the CLI table.
const COMMANDS: Record<string, () => Promise<{ run: CliCommand }>> = {
  start: () => import('./commands/start'),
  resume: () => import('./commands/resume'),
  ls: () => import('./commands/ls'),
  show: () => import('./commands/show'),
  inspect: () => import('./commands/inspect'),
  approve: () => import('./commands/approve'),
  reject: () => import('./commands/reject'),
  answer: () => import('./commands/answer'),
  net: () => import('./commands/net'),
  allow: () => import('./commands/allow'),
  deny: () => import('./commands/deny'),
  stop: () => import('./commands/stop'),
  rm: () => import('./commands/rm'),
  attach: () => import('./commands/attach'),
  send: () => import('./commands/send'),
  logs: () => import('./commands/logs'),
  diff: () => import('./commands/diff'),
  apply: () => import('./commands/apply'),
  resolve: () => import('./commands/resolve'),
  export: () => import('./commands/export'),
  checkpoint: () => import('./commands/checkpoint'),
  checkpoints: () => import('./commands/checkpoints'),
  restore: () => import('./commands/restore'),
  timeline: () => import('./commands/timeline'),
  fork: () => import('./commands/fork'),
  serve: () => import('./commands/serve'),
  trust: () => import('./commands/trust'),
  credentials: () => import('./commands/credentials'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    info(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    info(`claude-bottle ${__CLAUDE_BOTTLE_VERSION__}`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) throw new UsageError(`unknown command "${name.slice(0, 40)}"; run claude-bottle --help`);
  const { run } = await load();
  // The command's core and what it opened close when it is done, failed or not: nothing is left
  // to keep the process alive after its answer.
  const owner = new DisposableStore();
  try {
    return await run(rest, owner);
  } finally {
    await owner.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error);
  },
);

import { BottleError } from '../../core/base/bottle-error';
import type { BottleInspect, InspectNetwork } from '../../shared/bottle-inspect';
import { escapeJsonText, escapeLine } from '../../shared/escape-text';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle inspect <identity> [--raw] [--json]';

/** Where every value starts: past the longest label ("environment:") and a space. */
const VALUE_COLUMN = 14;

function field(label: string, value: string | null): string {
  return `${`${label}:`.padEnd(VALUE_COLUMN)}${value === null || value === '' ? '-' : escapeLine(value)}`;
}

const ROLE: Record<InspectNetwork['role'], string> = {
  gateway: 'gateway network',
  'engine-default': "the engine's default network",
  other: 'another network',
};

/**
 * How the bottle runs, as the Inspect tab shows it: who it runs as (root warned of), the names of
 * its environment (the core sends no value), its networks. The rest of the tab is `--json`.
 */
function describe(inspect: BottleInspect): string {
  const { container } = inspect;
  if (container === null) return [field('identity', inspect.identity), field('container', 'none now (resume starts one)')].join('\n');
  const { runAs } = container;
  const uid = runAs.uid === null ? `uid unknown: ${runAs.uidError ?? '?'}` : `uid ${runAs.uid}${runAs.uid === 0 ? ', root' : ''}`;
  const lines = [
    field('identity', inspect.identity),
    field('container', `${container.name} (${container.id.slice(0, 12)}, ${container.state})`),
    field('image', inspect.image),
    field('runs as', `${runAs.user === '' ? "the image's user" : runAs.user} (${uid})`),
  ];
  if (runAs.rootWarning !== null) lines.push(field('warning', runAs.rootWarning));
  lines.push(field('environment', `${container.envNames.join(', ') || 'none'} (names only, never values)`));
  for (const network of inspect.networks) {
    lines.push(field('network', `${network.name} (${ROLE[network.role]}${network.ipAddress === null ? '' : `, ${network.ipAddress}`})`));
  }
  return lines.join('\n');
}

/** One bottle's container as the engine runs it; `--raw`: the engine's JSON, every Env value cut by the core. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, raw: { type: 'boolean' } }, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  if (values.json === true && values.raw === true) throw new UsageError(`--raw and --json are two outputs: give one (usage: ${USAGE})`);
  const core = createCliCore(owner, values.json === true);
  const inspect = await core.bottles.inspect(await bottleArg(core, positionals[0]));
  if (values.json === true) printJson(inspect);
  else if (values.raw === true) {
    if (inspect.engineJson === null)
      throw new BottleError('not-found', `bottle ${inspect.identity} has no container, so no engine JSON: resume starts one`);
    process.stdout.write(`${escapeJsonText(inspect.engineJson)}\n`);
  } else info(describe(inspect));
  return 0;
};

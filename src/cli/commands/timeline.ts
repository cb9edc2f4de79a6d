import { resolve } from 'node:path';
import { TIMELINE_KINDS, type TimelineKind } from '../../shared/timeline';
import { writeTimelineFile } from '../../core/timeline';
import { bottleArg, createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { timelineText } from '../timeline-output';

const USAGE = 'claude-bottle timeline <identity> [--json] [--kind K,...] [--export FILE.jsonl [--ocsf] [--force]]';

/** Set by scripts/build-cli.mjs from package.json. */
declare const __CLAUDE_BOTTLE_VERSION__: string;

/** Everything the bottle did, in order; or all of it exported as JSON Lines (or its decisions as OCSF). */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      json: { type: 'boolean' },
      kind: { type: 'string' },
      export: { type: 'string' },
      ocsf: { type: 'boolean' },
      force: { type: 'boolean' },
    },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const file = typeof values.export === 'string' ? values.export : undefined;
  if (file === undefined && (values.ocsf === true || values.force === true))
    throw new UsageError(`--ocsf and --force go with --export FILE (usage: ${USAGE})`);
  if (file !== undefined && values.kind !== undefined) throw new UsageError(`--export writes every event: no --kind (usage: ${USAGE})`);
  const kinds = typeof values.kind === 'string' ? parseKinds(values.kind) : null;
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const identity = await bottleArg(core, positionals[0]);
  const events = await core.bottles.timeline(identity);
  if (file !== undefined) {
    const path = resolve(file);
    const ocsf = values.ocsf === true;
    const count = await writeTimelineFile(identity, events, path, {
      ocsf,
      force: values.force === true,
      version: __CLAUDE_BOTTLE_VERSION__,
    });
    if (json) printJson({ identity, path, format: ocsf ? 'ocsf' : 'jsonl', events: count });
    else info(`wrote ${path}: ${count} ${ocsf ? 'request decision(s) as OCSF API Activity events' : 'event(s) as JSON Lines'}`);
    return 0;
  }
  const shown = kinds === null ? events : events.filter((event) => kinds.has(event.kind));
  if (json) printJson(shown);
  else info(timelineText(identity, shown));
  return 0;
};

/** `--kind start,decision`: each a known kind, or a one-line refusal naming the kinds. */
function parseKinds(text: string): Set<TimelineKind> {
  const kinds = new Set<TimelineKind>();
  for (const part of text.split(',')) {
    const kind = part.trim();
    if (!(TIMELINE_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`unknown kind ${JSON.stringify(kind.slice(0, 40))}: one of ${TIMELINE_KINDS.join(', ')}`);
    kinds.add(kind as TimelineKind);
  }
  return kinds;
}

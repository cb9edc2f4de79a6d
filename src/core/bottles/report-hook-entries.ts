import { join } from 'node:path';
import type { ArchiveEntry } from '../engine/container-archive';
import type { EngineContainer } from '../engine/engine-client';
import { readContainerFile } from '../engine/container-files';
import { readSmallFileBytes } from '../fs/read-small-file';
import { bottlePaths } from '../state/state-paths';
import { HOST_CONFIG_LIMITS } from './host-config';
import type { LaunchFacts } from './launch-plan';
import { claudeSettingsPath, mergeReportHooks } from './report-hooks';

/** The settings file a launch would leave in the bottle, and how a warning names it. */
interface SettingsBase {
  content: Buffer | null;
  shown: string;
  /** The operator's copied file among the entries, to be replaced rather than written twice. */
  copied: ArchiveEntry | null;
}

/**
 * What the bottle's settings.json holds once the launch's files are in: the operator's copy (a
 * first start), else the snapshot a stop saved (a resume: the agent's own file, read as hostile,
 * never through a link), else the image's own. Null `content`: no file; a string: unreadable.
 */
async function settingsBase(
  container: EngineContainer,
  facts: Pick<LaunchFacts, 'agent' | 'identity' | 'snapshots'>,
  target: string,
  entries: ArchiveEntry[],
): Promise<SettingsBase | string> {
  const copied = entries.find((entry) => entry.target === target && entry.type === 'file');
  if (copied !== undefined)
    return { content: copied.content ?? null, shown: `~/${facts.agent.config.hostConfig?.from}/settings.json`, copied };
  if (facts.snapshots.transcript) {
    const read = await readSmallFileBytes(join(bottlePaths(facts.identity).transcript, 'settings.json'), HOST_CONFIG_LIMITS.fileBytes);
    if (read.kind === 'corrupt') return `the bottle's saved settings.json ${read.reason}`;
    return { content: read.kind === 'ok' ? read.bytes : null, shown: "the bottle's settings.json", copied: null };
  }
  try {
    const own = await readContainerFile(container, target, HOST_CONFIG_LIMITS.fileBytes);
    return { content: own?.content ?? null, shown: `the image's ${target}`, copied: null };
  } catch (error: unknown) {
    // The image's file, too large or unreadable: the launch goes on without the hooks, saying so.
    return `the image's ${target} cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * The launch's files with the agent's report hooks merged into its settings.json (agent.json
 * "reportHooks"): the copied file replaced by the merged one, or the merged file added. Unchanged
 * when the agent asks for no hooks or the file names them already; left alone, with a progress
 * line, when the file is not settings we can merge into.
 */
export async function withReportHooks(
  container: EngineContainer,
  facts: Pick<LaunchFacts, 'agent' | 'identity' | 'snapshots'>,
  entries: ArchiveEntry[],
  progress: (line: string) => void,
): Promise<ArchiveEntry[]> {
  const configDir = facts.agent.config.transcriptDir;
  if (facts.agent.config.reportHooks !== 'claude-code' || configDir === null) return entries;
  const target = claudeSettingsPath(configDir);
  const base = await settingsBase(container, facts, target, entries);
  if (typeof base === 'string') {
    progress(`${base}: the bottle's status and permission questions will not reach you`);
    return entries;
  }
  const merge = mergeReportHooks(base.content, base.shown);
  if (merge.kind === 'left-alone') progress(merge.warning);
  if (merge.kind !== 'merged') return entries;
  progress(`Claude Code reports its status and permission questions to you (hooks added to ${target})`);
  const entry: ArchiveEntry = { target, type: 'file', content: merge.content, mode: base.copied?.mode ?? 0o644 };
  return base.copied === null ? [...entries, entry] : entries.map((each) => (each === base.copied ? entry : each));
}

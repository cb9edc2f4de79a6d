import type { EngineSummary } from '../../../shared/bottle-view';
import { launchModesFor, launchModeUsed, type LaunchModeState } from '../../../shared/launch-modes';
import { isAbsolutePath, systemFolderProblem } from '../../../shared/rules';
import { invoke, messageOf } from '../api/api';
import { loadAgents } from '../api/app-bridge';
import { useEngineStore } from '../stores/engine-store';
import { useLaunchFoldStore } from '../stores/launch-fold-store';
import { useLaunchStore } from '../stores/launch-store';
import { useUiStore } from '../stores/ui-store';
import type { DropResult } from './drop';
import { bottleNameProblem, launchExtras, taskTextProblem } from './launch-fields';

/** A folder was picked (drop, dialog or typed): agents can come from the project, so re-list them. */
export function selectFolder(path: string): void {
  const store = useLaunchStore.getState();
  store.setFolder(path);
  store.setMessage(null);
  if (isAbsolutePath(path)) void loadAgents(path);
}

/** A drop unfolds the start panel: with the folder filled in, or with what the drop said. */
export function applyDrop(result: DropResult): void {
  const store = useLaunchStore.getState();
  const fold = useLaunchFoldStore.getState();
  switch (result.kind) {
    case 'folder':
      selectFolder(result.path);
      fold.unfold('start');
      return;
    case 'file':
      store.setMessage({ level: 'error', text: `“${result.name}” is a file, not a folder. Drop the project folder itself.` });
      fold.unfold(null);
      return;
    case 'no-path':
      store.setMessage({
        level: 'info',
        text: `The browser does not reveal where “${result.name}” is on disk. Type or paste its full path in the Project folder field.`,
      });
      fold.unfold('folder');
      return;
    case 'nothing':
      store.setMessage({ level: 'error', text: 'Nothing to use in that drop: drag a project folder from your file manager.' });
      fold.unfold(null);
      return;
  }
}

export async function chooseFolder(): Promise<void> {
  try {
    const path = await invoke('dialog:choose-folder');
    if (path !== null) selectFolder(path);
  } catch (error: unknown) {
    useLaunchStore.getState().setMessage({ level: 'error', text: messageOf(error) });
  }
}

/** Opens the Trust step for the selected project agent. */
export function reviewSelectedAgent(): void {
  const store = useLaunchStore.getState();
  const cwd = store.folder.trim();
  if (isAbsolutePath(cwd) && store.agent !== '') useUiStore.getState().openTrust(store.agent, cwd);
}

export async function startBottle(): Promise<void> {
  const store = useLaunchStore.getState();
  const cwd = store.folder.trim();
  if (!isAbsolutePath(cwd)) {
    store.setMessage({ level: 'error', text: 'Choose a project folder first: drop it here or type its absolute path.' });
    return;
  }
  // A quick check of the path as typed; the core decides, with symlinks resolved.
  const problem = systemFolderProblem(cwd);
  if (problem !== null) {
    store.setMessage({ level: 'error', text: `This folder cannot be a project: ${problem}.` });
    return;
  }
  if (store.agent === '') {
    store.setMessage({ level: 'error', text: 'No agent to start: none was found.' });
    return;
  }
  const selected = store.agents.find((agent) => agent.name === store.agent);
  if (selected?.source === 'project' && selected.trust !== 'trusted') {
    // No dead end: starting an untrusted project agent leads to its Trust step.
    reviewSelectedAgent();
    return;
  }
  // The fields show their own problem; the start waits until they are right.
  if (bottleNameProblem(store.name.trim()) !== null || taskTextProblem(store.task) !== null) {
    store.setMessage({ level: 'error', text: 'Fix the name or the task first (see beside the field).' });
    return;
  }
  store.setStarting(true);
  store.setMessage(null);
  try {
    const autonomous = store.autonomous && selected?.autonomous === true;
    const context = store.context === null ? {} : { context: store.context };
    const { identity } = await invoke('bottle:start', {
      agent: store.agent,
      cwd,
      copy: launchModeUsed(launchModesOn(useEngineStore.getState().engines, store.context), store.copy) === 'copy',
      autonomous,
      ...context,
      ...launchExtras(store.name, store.task),
    });
    // A name and a task belong to the bottle just started: the next start begins blank.
    store.setName('');
    store.setTask('');
    // Started: the panel folds back to its bar and the list has the room (a failed start stays open).
    useLaunchFoldStore.getState().fold();
    useUiStore.getState().notify('info', `Started ${identity}`);
  } catch (error: unknown) {
    store.setMessage({ level: 'error', text: `Could not start: ${messageOf(error)}` });
    // A failed start keeps the form open with its error (the first bottle's card may have come and gone).
    useLaunchFoldStore.getState().unfold(null);
  } finally {
    store.setStarting(false);
  }
}

/**
 * The modes the chosen engine allows, by the rule the core applies too (a remote engine cannot
 * mount this machine's folders); null while the engine list is not in, when the core decides alone.
 */
export function launchModesOn(engines: readonly EngineSummary[], context: string | null): LaunchModeState[] | null {
  const engine = engines.find((candidate) => (context === null ? candidate.current : candidate.name === context));
  return engine === undefined ? null : launchModesFor(engine);
}

import { invoke, messageOf } from '../api/api';
import { formatBytes } from '../../../shared/format-bytes';
import { useUiStore } from '../stores/ui-store';

/** Runs one bottle action; failures become a notice (the card itself updates from pushed events). */
export async function runAction(label: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (error: unknown) {
    useUiStore.getState().notify('error', `${label} failed: ${messageOf(error)}`);
    return false;
  }
}

export function stopBottle(identity: string): Promise<boolean> {
  return runAction(`Stop ${identity}`, () => invoke('bottle:stop', identity));
}

export function resumeBottle(identity: string): Promise<boolean> {
  return runAction(`Resume ${identity}`, () => invoke('bottle:resume', identity));
}

/** `force`: the operator saw the work not yet applied and removes it anyway (the core refuses otherwise). */
export function removeBottle(identity: string, keepState: boolean, force = false): Promise<boolean> {
  return runAction(`Remove ${identity}`, () => invoke('bottle:remove', identity, { keepState, force }));
}

/** Takes a checkpoint now (issue 24) and says what it saved; a failure becomes a notice like any action's. */
export function checkpointBottle(identity: string): Promise<boolean> {
  return runAction(`Checkpoint of ${identity}`, async () => {
    const taken = await invoke('bottle:checkpoint', identity, {});
    const paused = taken.pausedMs === null ? '' : `, paused ${taken.pausedMs} ms for the copy`;
    useUiStore.getState().notify('info', `Checkpoint ${taken.id} of ${identity} taken (${formatBytes(taken.sizes.total)}${paused})`);
  });
}

export function dismissError(identity: string): Promise<boolean> {
  return runAction(`Dismiss the error of ${identity}`, () => invoke('bottle:dismiss-error', identity));
}

/** Copies to the clipboard and says so (`done` names what was copied when the text is long). */
export async function copyText(text: string, done = `Copied: ${text}`): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    useUiStore.getState().notify('info', done);
  } catch (error: unknown) {
    // Clipboard access needs a secure context or focus; show a short text so it can be copied by hand.
    const message =
      text.length <= 200 ? `Copy this by hand: ${text}` : 'The browser refused the clipboard: select the text and copy it by hand.';
    useUiStore.getState().notify('warning', message);
  }
}

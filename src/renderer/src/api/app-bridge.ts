import type { AppEvent } from '../../../shared/ipc-contract';
import { loadCredentials } from '../lib/credential-actions';
import { useBottlesStore } from '../stores/bottles-store';
import { useChangesStore } from '../stores/changes-store';
import { useCredentialsStore } from '../stores/credentials-store';
import { useEngineStore } from '../stores/engine-store';
import { useLaunchStore } from '../stores/launch-store';
import { useNetworkLogStore } from '../stores/network-log-store';
import { logStreams, terminalStreams } from '../lib/keyed-streams';
import { statsWatch } from '../lib/stats-watch';
import { useStatsStore } from '../stores/stats-store';
import { useUiStore } from '../stores/ui-store';
import { invoke, messageOf } from './api';
import type { BrowserClient } from './browser-client';

function applyEvent(event: AppEvent): void {
  switch (event.type) {
    case 'bottle-changed':
      useBottlesStore.getState().upsert(event.bottle);
      return;
    case 'bottle-removed':
      useBottlesStore.getState().remove(event.identity);
      // Its sparkline history goes with it (a long session would otherwise keep every removed bottle's).
      useStatsStore.getState().forget(event.identity);
      return;
    case 'activity':
      useBottlesStore.getState().setActivity(event.identity, event.activity);
      return;
    case 'engine-status':
      useEngineStore.getState().setStatus(event.status);
      return;
    case 'terminal-data':
      terminalStreams.push(event.sessionId, event.data);
      return;
    case 'terminal-exit':
      terminalStreams.end(event.sessionId, null);
      return;
    case 'log-data':
      logStreams.push(event.streamId, event.data);
      return;
    case 'log-end':
      logStreams.end(event.streamId, event.reason);
      return;
    case 'stats':
      useStatsStore.getState().add(event.samples);
      return;
    case 'open-approval':
      useUiStore.getState().openPanel('approval', event.identity);
      return;
    case 'notice':
      useUiStore.getState().notify(event.level, event.message);
      return;
    case 'credentials':
      useCredentialsStore.getState().setStatus(event.status);
      return;
    case 'changes-updated':
      useChangesStore.getState().updated(event.identity, event.revision);
      return;
    case 'other-instances':
      useBottlesStore.getState().setOtherInstances(event.count);
      return;
    case 'network-log':
      useNetworkLogStore.getState().appended(event.identity, event.entry);
      return;
  }
}

/** Bottles painted before the whole list arrives: a screenful and some to scroll. */
const FIRST_SCREEN = 100;

/** Resolves once the browser has painted what is rendered now. */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/**
 * Bottles: the newest first, painted, then all of them (so the first screen does not wait for
 * thousands of bottles, nor for parsing them); only the whole list once some are shown.
 */
async function loadBottles(): Promise<void> {
  if (!useBottlesStore.getState().loaded) {
    try {
      const { bottles, total, otherInstances } = await invoke('bottles:newest', FIRST_SCREEN);
      useBottlesStore.getState().showFirst(bottles, total);
      useBottlesStore.getState().setOtherInstances(otherInstances);
      await afterPaint();
    } catch (error: unknown) {
      // The whole list's answer says what went wrong.
    }
  }
  try {
    useBottlesStore.getState().replaceAll(await invoke('bottles:list'));
  } catch (error: unknown) {
    useBottlesStore.getState().setLoadError(messageOf(error));
  }
}

/** The full picture: bottles, engine status and agents. Run at start and after every reconnect. */
export async function loadAll(): Promise<void> {
  await Promise.all([
    loadBottles(),
    invoke('engine:status').then(
      (status) => useEngineStore.getState().setCurrent(status),
      (error: unknown) => useEngineStore.getState().setStatusError(messageOf(error)),
    ),
    loadEngines(),
    loadAgents(),
    loadCredentials(),
  ]);
}

/** The engines the start panel offers; a failure leaves the picker on the current engine. */
export async function loadEngines(): Promise<void> {
  try {
    useEngineStore.getState().setEngines(await invoke('engines:list'));
  } catch (error: unknown) {
    useUiStore.getState().notify('warning', `Could not list the Docker engines: ${messageOf(error)}`);
  }
}

export async function loadAgents(cwd?: string): Promise<void> {
  try {
    const agents = await invoke('agents:list', cwd === undefined || cwd === '' ? {} : { cwd });
    useLaunchStore.getState().setAgents(agents);
  } catch (error: unknown) {
    useLaunchStore.getState().setAgentsError(messageOf(error));
  }
}

/**
 * Live updates come only from the pushed event stream (never polling); the list is fetched once,
 * and again whenever a browser-mode connection comes back, since events may have been missed.
 */
export function startAppBridge(client: BrowserClient | null): () => void {
  const unsubscribe = window.claudeBottle.onEvent(applyEvent);
  let unlink = (): void => undefined;
  if (client !== null) {
    useEngineStore.getState().setLink(client.connectionState());
    let wasDown = false;
    unlink = client.onConnectionChange((state) => {
      useEngineStore.getState().setLink(state);
      if (state === 'disconnected') wasDown = true;
      if (state === 'connected' && wasDown) {
        wasDown = false;
        void loadAll();
        statsWatch.reconnected();
        useNetworkLogStore.getState().reread();
      }
    });
  }
  void loadAll();
  const timer = window.setInterval(() => useUiStore.getState().tick(), 30_000);
  return () => {
    unsubscribe();
    unlink();
    window.clearInterval(timer);
  };
}

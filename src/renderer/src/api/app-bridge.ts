import type { AppEvent } from '../../../shared/ipc-contract';
import { useBottlesStore } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { useLaunchStore } from '../stores/launch-store';
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
  }
}

/** Bottles painted before the whole list arrives: a screenful and some to scroll. */
const FIRST_SCREEN = 100;

/** The full picture: bottles, engine status and agents. Run at start and after every reconnect. */
export async function loadAll(): Promise<void> {
  // The first screen does not wait for thousands of bottles: the newest come first, then all.
  if (!useBottlesStore.getState().loaded) {
    invoke('bottles:newest', FIRST_SCREEN).then(
      ({ bottles, total }) => useBottlesStore.getState().showFirst(bottles, total),
      () => undefined, // the whole list's answer reports any failure
    );
  }
  await Promise.all([
    invoke('bottles:list').then(
      (bottles) => useBottlesStore.getState().replaceAll(bottles),
      (error: unknown) => useBottlesStore.getState().setLoadError(messageOf(error)),
    ),
    invoke('engine:status').then(
      (status) => useEngineStore.getState().setStatus(status),
      (error: unknown) => useEngineStore.getState().setStatusError(messageOf(error)),
    ),
    loadAgents(),
  ]);
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

import type { BottleView } from '../../../shared/bottle-view';
import { useBottlePanelStore, type BottleTab } from '../stores/bottle-panel-store';

/** The tab a bottle opens on: its terminal while it runs, else its logs, else what it is. */
export function defaultTab(view: BottleView | undefined): BottleTab {
  if (view === undefined) return 'inspect';
  if (view.status === 'running') return 'terminal';
  if (view.containerId !== null) return 'logs';
  return view.historyCount > 0 ? 'history' : 'inspect';
}

export function openBottle(view: BottleView | undefined, identity: string, tab?: BottleTab): void {
  useBottlePanelStore.getState().open(identity, tab ?? defaultTab(view));
}

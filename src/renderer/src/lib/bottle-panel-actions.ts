import { actionState } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import { useBottlePanelStore, type BottleTab } from '../stores/bottle-panel-store';

/** The tab a bottle opens on: its terminal while it runs, else its logs, else what it is. */
export function defaultTab(view: BottleView | undefined): BottleTab {
  if (view === undefined) return 'inspect';
  if (actionState(view, 'open-terminal') !== null) return 'terminal';
  if (actionState(view, 'open-logs') !== null) return 'logs';
  return actionState(view, 'history') !== null ? 'history' : 'inspect';
}

export function openBottle(view: BottleView | undefined, identity: string, tab?: BottleTab): void {
  useBottlePanelStore.getState().open(identity, tab ?? defaultTab(view));
}

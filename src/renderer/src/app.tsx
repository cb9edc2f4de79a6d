import { lazy, Suspense, useEffect, type JSX } from 'react';
import { AttentionSignals } from './components/attention-signals';
import { BottleList, ListToolbar } from './components/bottle-list';
import { ConfirmBulk } from './components/bulk-actions';
import { ConfirmRemove } from './components/confirm-remove';
import { ForkDialog } from './components/fork-dialog';
import { DropOverlay } from './components/drop-overlay';
import { EngineBanner } from './components/engine-banner';
import { Header } from './components/header';
import { KeyboardHelp } from './components/keyboard-help';
import { LaunchPanel } from './components/launch-panel';
import { Notices } from './components/notices';
import { SidePanel } from './components/side-panel';
import { useBottlePanelStore } from './stores/bottle-panel-store';
import { SignInDialog } from './components/sign-in-dialog';
import { useUiStore } from './stores/ui-store';

// The bottle view (terminals, logs…) loads when a bottle is first opened, not before the list shows.
const BottlePanel = lazy(() => import('./components/bottle-panel'));

/** Esc closes the top-most panel; inside the terminal it belongs to the program running there. */
function useEscapeCloses(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('.terminal-host') != null) return;
      if (target?.closest('dialog') != null) return;
      if (useUiStore.getState().panel !== null) useUiStore.getState().closePanel();
      else if (useBottlePanelStore.getState().identity !== null) useBottlePanelStore.getState().close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App(): JSX.Element {
  useEscapeCloses();
  const panelOpen = useBottlePanelStore((state) => state.identity !== null);
  return (
    <div className={`app ${panelOpen ? 'has-terminal' : ''}`}>
      <AttentionSignals />
      <Header />
      <EngineBanner />
      <main className="app-main">
        <LaunchPanel />
        <section className="bottles" aria-label="Bottles">
          <ListToolbar />
          <BottleList />
        </section>
      </main>
      <SidePanel />
      {panelOpen ? (
        <Suspense fallback={null}>
          <BottlePanel />
        </Suspense>
      ) : null}
      <ConfirmRemove />
      <ForkDialog />
      <ConfirmBulk />
      <KeyboardHelp />
      <SignInDialog />
      <Notices />
      <DropOverlay />
    </div>
  );
}

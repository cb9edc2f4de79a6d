import { lazy, Suspense, useEffect, type JSX } from 'react';
import { BottleList, ListToolbar } from './components/bottle-list';
import { ConfirmRemove } from './components/confirm-remove';
import { DropOverlay } from './components/drop-overlay';
import { EngineBanner } from './components/engine-banner';
import { Header } from './components/header';
import { LaunchPanel } from './components/launch-panel';
import { Notices } from './components/notices';
import { SidePanel } from './components/side-panel';
import { SignInDialog } from './components/sign-in-dialog';
import { useTerminalStore } from './stores/terminal-store';
import { useUiStore } from './stores/ui-store';

// xterm.js is most of the bundle: load it when a terminal first opens, not before the list shows.
const TerminalPanel = lazy(() => import('./components/terminal-panel'));

/** Esc closes the top-most panel; inside the terminal it belongs to the program running there. */
function useEscapeCloses(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('.terminal-host') != null) return;
      if (target?.closest('dialog') != null) return;
      if (useUiStore.getState().panel !== null) useUiStore.getState().closePanel();
      else if (useTerminalStore.getState().identity !== null) useTerminalStore.getState().close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App(): JSX.Element {
  useEscapeCloses();
  const terminalOpen = useTerminalStore((state) => state.identity !== null);
  return (
    <div className={`app ${terminalOpen ? 'has-terminal' : ''}`}>
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
      {terminalOpen ? (
        <Suspense fallback={null}>
          <TerminalPanel />
        </Suspense>
      ) : null}
      <ConfirmRemove />
      <SignInDialog />
      <Notices />
      <DropOverlay />
    </div>
  );
}

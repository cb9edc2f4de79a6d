import { lazy, Suspense, useEffect, type JSX } from 'react';
import { actionState, type BottleAction } from '../../../shared/allowed-actions';
import type { BottleView } from '../../../shared/bottle-view';
import { prefetchLogs } from '../lib/log-prefetch';
import { statsWatch } from '../lib/stats-watch';
import { BOTTLE_TABS, useBottlePanelStore, type BottleTab } from '../stores/bottle-panel-store';
import { useBottle } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { BottleStats } from './bottle-stats';
import { CardActions } from './card-actions';
import { ChangesView } from './changes-view';
import { CheckpointsPanel } from './checkpoints-panel';
import { TimelinePanel } from './timeline-panel';
import { InspectView } from './inspect-view';
import { LogsView } from './logs-view';
import { NetworkLogView } from './network-log-view';
import { StatusPill } from './status-pill';

// xterm.js is most of the bundle: loaded when a terminal tab first shows.
const TerminalView = lazy(() => import('./terminal-view'));

const TAB_LABELS: Record<BottleTab, string> = {
  terminal: 'Terminal',
  shell: 'Shell',
  logs: 'Logs',
  network: 'Network',
  changes: 'Changes',
  history: 'Timeline',
  checkpoints: 'Checkpoints',
  inspect: 'Inspect',
};
/** The tabs are these actions already (and the resume command is on the card); the header keeps the ones that change the bottle. */
const SHOWN_AS_TABS: ReadonlySet<BottleAction> = new Set(['open-terminal', 'open-logs', 'history', 'changes', 'copy-resume-command']);

function unavailable(tab: BottleTab, bottle: BottleView): string | null {
  if ((tab === 'terminal' || tab === 'shell') && actionState(bottle, 'open-terminal') === null)
    return 'The bottle is not running: resume it to open a terminal.';
  if (tab === 'changes' && actionState(bottle, 'changes') === null) return 'This bottle has no project folder to compare with.';
  if (tab === 'checkpoints' && actionState(bottle, 'restore') === null) return 'This bottle has no project folder to checkpoint.';
  return null;
}

function TabBody({ bottle, tab }: { bottle: BottleView; tab: BottleTab }): JSX.Element {
  const why = unavailable(tab, bottle);
  if (why !== null) return <p className="panel-empty">{why}</p>;
  switch (tab) {
    case 'terminal':
    case 'shell':
      return (
        <Suspense fallback={<p className="panel-empty">Loading the terminal…</p>}>
          {/* A new container (resumed) is a new TTY: the key starts a fresh session on it. */}
          <TerminalView
            key={`${tab}:${bottle.containerId ?? ''}`}
            identity={bottle.identity}
            kind={tab === 'terminal' ? 'agent' : 'shell'}
          />
        </Suspense>
      );
    case 'logs':
      return <LogsView key={bottle.containerId ?? 'none'} identity={bottle.identity} containerId={bottle.containerId} />;
    case 'network':
      return <NetworkLogView key={bottle.identity} identity={bottle.identity} />;
    case 'changes':
      return (
        <div className="panel-scroll">
          <ChangesView key={bottle.identity} identity={bottle.identity} />
        </div>
      );
    case 'history':
      return (
        <div className="panel-scroll">
          <TimelinePanel identity={bottle.identity} />
        </div>
      );
    case 'checkpoints':
      return (
        <div className="panel-scroll">
          <CheckpointsPanel key={bottle.identity} bottle={bottle} />
        </div>
      );
    case 'inspect':
      return (
        <div className="panel-scroll">
          <InspectView identity={bottle.identity} containerId={bottle.containerId} />
        </div>
      );
  }
}

/**
 * One bottle in full, docked under the list (or maximized): its terminal (with what the agent said
 * before), a separate shell, its logs, its connections, its changes, its rebuild history and how it is built.
 * Esc inside a terminal goes to the program, so the panel closes with its button (or Esc elsewhere).
 */
export default function BottlePanel(): JSX.Element | null {
  const identity = useBottlePanelStore((state) => state.identity);
  const tab = useBottlePanelStore((state) => state.tab);
  const maximized = useBottlePanelStore((state) => state.maximized);
  const { setTab, toggleMaximized, close } = useBottlePanelStore.getState();
  const bottle = useBottle(identity ?? '');
  const engineDown = useEngineStore((state) => state.status?.state === 'unavailable');

  const running = bottle?.status === 'running';
  useEffect(() => {
    if (identity === null) return;
    statsWatch.want('panel', [identity]);
    return () => statsWatch.drop('panel');
  }, [identity]);

  if (identity === null) return null;
  return (
    // The test id is the one the dock had when it held only the terminal.
    <section
      className={`terminal-panel bottle-panel ${maximized ? 'is-maximized' : ''}`}
      aria-label={`Bottle ${identity}`}
      data-testid="terminal-panel"
      data-identity={identity}
    >
      <header className="bottle-panel-head">
        <div className="bottle-panel-bar">
          <div className="bottle-panel-title">
            {bottle === undefined ? null : <StatusPill status={bottle.status} exitCode={bottle.exitCode} stale={engineDown} />}
            <h2 title={bottle?.cwd ?? undefined}>{identity}</h2>
            {running ? <BottleStats identity={identity} layout="panel" /> : null}
          </div>
          <div className="bottle-panel-actions">
            {bottle === undefined ? null : <CardActions bottle={bottle} engineDown={engineDown} exclude={SHOWN_AS_TABS} />}
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={toggleMaximized}
              aria-pressed={maximized}
              data-testid="maximize"
            >
              {maximized ? 'Restore' : 'Maximize'}
            </button>
            <button type="button" className="button button-small button-quiet" onClick={close}>
              Close
            </button>
          </div>
        </div>
        <div className="bottle-tabs" role="tablist" aria-label="Bottle views">
          {BOTTLE_TABS.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={tab === name}
              className={`bottle-tab ${tab === name ? 'is-active' : ''}`}
              onClick={() => setTab(name)}
              // The Logs tab's request leaves when it is pressed: the engine answers meanwhile.
              onPointerDown={
                name === 'logs' && tab !== 'logs' && bottle?.containerId != null && unavailable(name, bottle) === null
                  ? (event) => event.button === 0 && prefetchLogs(bottle.identity, bottle.containerId as string)
                  : undefined
              }
              data-testid={`tab-${name}`}
            >
              {TAB_LABELS[name]}
            </button>
          ))}
        </div>
      </header>
      <div className="bottle-panel-body" role="tabpanel" aria-label={TAB_LABELS[tab]}>
        {bottle === undefined ? <p className="panel-empty">{identity} is gone: it was removed.</p> : <TabBody bottle={bottle} tab={tab} />}
      </div>
    </section>
  );
}

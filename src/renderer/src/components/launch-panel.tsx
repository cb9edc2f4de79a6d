import { useEffect, type FormEvent, type JSX } from 'react';
import type { AgentSummary } from '../../../shared/bottle-view';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useBottlesStore } from '../stores/bottles-store';
import { useEngineStore } from '../stores/engine-store';
import { showsFolded, useLaunchFoldStore } from '../stores/launch-fold-store';
import { useLaunchStore } from '../stores/launch-store';
import { chooseFolder, launchModesOn, reviewSelectedAgent, startBottle, selectFolder } from '../lib/launch-actions';
import { ModeChoice, ModeRefusedNote } from './launch-mode-choice';
import { LaunchFoldedBar } from './launch-folded-bar';
import { LaunchTaskFields } from './launch-task-fields';

const TRUST_LABELS = { trusted: 'trusted', untrusted: 'untrusted', changed: 'changed: not trusted' } as const;

function AgentOption({ agent }: { agent: AgentSummary }): JSX.Element {
  const note =
    agent.source === 'project' ? ` (${TRUST_LABELS[agent.trust ?? 'untrusted']})` : agent.source === 'builtin' ? '' : ` (${agent.source})`;
  return (
    <option value={agent.name} title={agent.description}>
      {agent.name}
      {note}
    </option>
  );
}

function AgentSelect(): JSX.Element {
  const agents = useLaunchStore((state) => state.agents);
  const agent = useLaunchStore((state) => state.agent);
  const agentsError = useLaunchStore((state) => state.agentsError);
  const setAgent = useLaunchStore((state) => state.setAgent);
  return (
    <label className="field field-agent">
      <span className="field-label">Agent</span>
      <select
        value={agent}
        onChange={(event) => setAgent(event.target.value)}
        disabled={agents.length === 0}
        title={agentsError ?? undefined}
        data-testid="agent-select"
      >
        {agents.length === 0 ? <option value="">{agentsError === null ? 'Loading…' : 'No agents'}</option> : null}
        {agents
          .filter((candidate) => candidate.source !== 'project')
          .map((candidate) => (
            <AgentOption key={candidate.name} agent={candidate} />
          ))}
        {agents.some((candidate) => candidate.source === 'project') ? (
          // A project's own agents, apart: they come from the repository and run only once trusted.
          <optgroup label="This project's agents">
            {agents
              .filter((candidate) => candidate.source === 'project')
              .map((candidate) => (
                <AgentOption key={candidate.name} agent={candidate} />
              ))}
          </optgroup>
        ) : null}
      </select>
    </label>
  );
}

/** Where the bottle runs: shown once there is more than one engine (a Docker context) to pick from. */
function EngineSelect(): JSX.Element | null {
  const engines = useEngineStore((state) => state.engines);
  const statuses = useEngineStore((state) => state.statuses);
  const context = useLaunchStore((state) => state.context);
  const setContext = useLaunchStore((state) => state.setContext);
  if (engines.length < 2) return null;
  const current = engines.find((engine) => engine.current)?.name ?? null;
  return (
    <label className="field field-engine">
      <span className="field-label">Engine</span>
      <select
        value={context ?? current ?? ''}
        onChange={(event) => setContext(event.target.value === current ? null : event.target.value)}
        data-testid="engine-select"
      >
        {engines.map((engine) => {
          const offline = statuses[engine.name]?.state === 'unavailable';
          const notes = [engine.current ? 'current' : null, engine.local ? null : 'remote', offline ? 'offline' : null]
            .filter(Boolean)
            .join(', ');
          return (
            <option
              key={engine.name}
              value={engine.name}
              title={`${engine.host}${engine.description === '' ? '' : ` — ${engine.description}`}`}
            >
              {engine.name}
              {notes === '' ? '' : ` (${notes})`}
            </option>
          );
        })}
      </select>
    </label>
  );
}

function ModeSwitch(): JSX.Element {
  const copy = useLaunchStore((state) => state.copy);
  const setCopy = useLaunchStore((state) => state.setCopy);
  const context = useLaunchStore((state) => state.context);
  const engines = useEngineStore((state) => state.engines);
  return <ModeChoice modes={launchModesOn(engines, context)} copy={copy} onChoose={setCopy} />;
}

function ModeNote(): JSX.Element | null {
  const context = useLaunchStore((state) => state.context);
  const engines = useEngineStore((state) => state.engines);
  return <ModeRefusedNote modes={launchModesOn(engines, context)} />;
}

/** Shown while an untrusted project agent is selected: what it is, and the way to the Trust step. */
function TrustHint(): JSX.Element | null {
  const selected = useLaunchStore((state) => state.agents.find((agent) => agent.name === state.agent));
  if (selected === undefined || selected.source !== 'project' || selected.trust === 'trusted') return null;
  return (
    <div className="launch-trust" role="note" data-testid="trust-hint">
      <span>
        <strong>{selected.name}</strong>{' '}
        {selected.trust === 'changed'
          ? 'changed since you trusted it. Read it again before it runs.'
          : "comes from this project's folder. Read its agent.json and Dockerfile before it can run."}
      </span>
      <button type="button" className="button button-small" onClick={reviewSelectedAgent} data-testid="review-agent-button">
        Review and trust…
      </button>
    </div>
  );
}

/** Autonomous mode, per launch: visible and off by default, only for agents that have one. */
function AutonomousToggle(): JSX.Element {
  const autonomous = useLaunchStore((state) => state.autonomous);
  const setAutonomous = useLaunchStore((state) => state.setAutonomous);
  const supported = useLaunchStore((state) => state.agents.find((agent) => agent.name === state.agent)?.autonomous === true);
  const on = autonomous && supported;
  const title = supported
    ? 'The agent runs without asking before each command (Claude Code: --dangerously-skip-permissions). The bottle is its sandbox.'
    : 'This agent has no autonomous mode (agent.json "autonomousArgs").';
  return (
    <div className="field">
      <span className="field-label" id="autonomous-label">
        Permissions
      </span>
      <label className={`toggle ${on ? 'is-on' : ''} ${supported ? '' : 'is-disabled'}`} title={title}>
        <input
          type="checkbox"
          checked={on}
          disabled={!supported}
          onChange={(event) => setAutonomous(event.target.checked)}
          aria-describedby="autonomous-label"
          data-testid="autonomous-toggle"
        />
        <span>Autonomous</span>
      </label>
    </div>
  );
}

/** Folded to a bar once bottles exist (and while a bottle view is docked), so the list keeps its height. */
export function LaunchPanel(): JSX.Element {
  // Before the list is in, the remembered choice decides: no frame of the form that then folds away.
  const hasBottles = useBottlesStore((state) => !state.loaded || state.order.length > 0);
  const docked = useBottlePanelStore((state) => state.identity !== null);
  const folded = useLaunchFoldStore((state) => state.folded);
  const openWhileDocked = useLaunchFoldStore((state) => state.openWhileDocked);
  const starting = useLaunchStore((state) => state.starting);
  if (showsFolded({ hasBottles, docked, folded, openWhileDocked, starting })) return <LaunchFoldedBar />;
  return <LaunchForm canFold={hasBottles} />;
}

/** Esc folds the form only when nothing was typed into it: a half-filled form is not thrown away. */
function nothingTyped(): boolean {
  const { folder, name, task } = useLaunchStore.getState();
  return folder.trim() === '' && name.trim() === '' && task.trim() === '';
}

function LaunchForm({ canFold }: { canFold: boolean }): JSX.Element {
  const folder = useLaunchStore((state) => state.folder);
  const starting = useLaunchStore((state) => state.starting);
  const message = useLaunchStore((state) => state.message);
  const setFolder = useLaunchStore((state) => state.setFolder);
  const electron = window.claudeBottle.mode === 'electron';
  useRequestedFocus();

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void startBottle();
  };

  return (
    <form
      className="launch"
      onSubmit={onSubmit}
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !canFold || !nothingTyped()) return;
        // Handled here: the window's Esc (close the panel on top) is not also run.
        event.preventDefault();
        useLaunchFoldStore.getState().fold('bar');
      }}
      aria-label="Start a bottle"
    >
      <div className="launch-hint">
        <span className="launch-icon" aria-hidden="true">
          ⤓
        </span>
        <span>
          <strong>Drop a project folder anywhere in this window</strong>
          {electron ? ', or choose one.' : ', or type its path (browser mode cannot read dropped paths).'}
        </span>
        {canFold ? (
          <button
            type="button"
            className="launch-fold"
            aria-expanded={true}
            title="Fold the start panel (Esc)"
            onClick={() => useLaunchFoldStore.getState().fold('bar')}
            data-testid="launch-fold"
          >
            <span aria-hidden="true">▾</span> Fold
          </button>
        ) : null}
      </div>
      <div className="launch-row">
        <label className="field field-folder">
          <span className="field-label">Project folder</span>
          <input
            id="launch-folder"
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="/home/you/projects/my-app"
            value={folder}
            onChange={(event) => setFolder(event.target.value)}
            onBlur={(event) => selectFolder(event.target.value.trim())}
            data-testid="folder-input"
          />
        </label>
        {electron ? (
          <button type="button" className="button" onClick={() => void chooseFolder()}>
            Choose folder…
          </button>
        ) : null}
        <AgentSelect />
        <EngineSelect />
        <ModeSwitch />
        <AutonomousToggle />
        <button id="launch-start" type="submit" className="button button-primary" disabled={starting} data-testid="start-button">
          {starting ? 'Starting…' : 'Start bottle'}
        </button>
      </div>
      <LaunchTaskFields />
      <ModeNote />
      <TrustHint />
      <p className={`launch-message ${message?.level === 'error' ? 'is-error' : ''}`} role="status" data-testid="launch-message">
        {message?.text ?? ''}
      </p>
    </form>
  );
}

/** Focuses the field an unfold asked for (the start key, a drop), once the form is on screen. */
function useRequestedFocus(): void {
  const focus = useLaunchFoldStore((state) => state.focus);
  useEffect(() => {
    if (focus === null || focus === 'bar') return;
    document.getElementById(focus === 'folder' ? 'launch-folder' : 'launch-start')?.focus();
    useLaunchFoldStore.getState().focused();
  }, [focus]);
}

import { useEffect, useMemo, useState, type JSX } from 'react';
import type { JournalEntry } from '../../../shared/bottle-view';
import { escapeLine } from '../../../shared/escape-text';
import { formatBytes } from '../../../shared/format-bytes';
import { TIMELINE_KINDS, timelineWhat, type TimelineEvent, type TimelineKind } from '../../../shared/timeline';
import { invoke, messageOf } from '../api/api';
import { exactTime } from '../lib/format';
import { useBottlePanelStore } from '../stores/bottle-panel-store';
import { useBottle } from '../stores/bottles-store';
import { DiffView } from './diff-view';

/** One glyph a kind: the line is read by its text, the glyph only helps the eye find a kind. */
const KIND_ICONS: Record<TimelineKind, string> = {
  start: '▶',
  stop: '■',
  resume: '↻',
  exit: '⚠',
  request: '?',
  decision: '✓',
  build: '⚙',
  checkpoint: '⚑',
  restore: '↶',
  fork: '⑂',
  'forked-from': '⑂',
  apply: '⇥',
  export: '⇪',
  turn: '…',
};

const REFUSED = new Set(['rejected', 'denied', 'build-failed', 'invalid-request']);

/** A refusal's glyph is a cross, not the decision's tick; a failed build's too. */
function iconOf(event: TimelineEvent): string {
  if ((event.decision !== undefined && REFUSED.has(event.decision)) || event.outcome === 'failed') return '✗';
  return KIND_ICONS[event.kind];
}

/**
 * Everything a bottle did, oldest first (issue 24): its timeline merged with the decisions journal.
 * Chips filter by kind (buttons: Tab and Enter/Space work); a Dockerfile decision opens its diff
 * (and, approved with edits, the operator's edits); a checkpoint shows its id, name and size, with
 * the command that goes back to it. Export downloads the JSON Lines the CLI's --export writes.
 */
export function TimelinePanel({ identity }: { identity: string }): JSX.Element {
  const bottle = useBottle(identity);
  // What changes the timeline shows on the view: re-read when one of these moves.
  const refreshKey = `${bottle?.historyCount ?? 0}:${bottle?.status ?? ''}:${bottle?.containerId ?? ''}:${bottle?.agentStatus?.state ?? ''}:${bottle?.stateBytes ?? 0}`;
  const [events, setEvents] = useState<TimelineEvent[] | null>(null);
  const [journal, setJournal] = useState<JournalEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [kinds, setKinds] = useState<ReadonlySet<TimelineKind>>(new Set());
  const [exportError, setExportError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    Promise.all([invoke('bottle:timeline', identity), invoke('bottle:history', identity)]).then(
      ([timeline, history]) => {
        if (!current) return;
        setEvents(timeline);
        setJournal(history);
      },
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [identity, refreshKey]);

  const present = useMemo(() => TIMELINE_KINDS.filter((kind) => events?.some((event) => event.kind === kind) ?? false), [events]);
  if (error !== null) return <p className="panel-empty is-error">Could not load the timeline: {error}</p>;
  if (events === null) return <p className="panel-empty">Loading…</p>;
  const shown = kinds.size === 0 ? events : events.filter((event) => kinds.has(event.kind));
  const toggle = (kind: TimelineKind): void => {
    const next = new Set(kinds);
    if (!next.delete(kind)) next.add(kind);
    setKinds(next);
  };
  const download = (): void => {
    setExportError(null);
    invoke('bottle:timeline-export', identity).then(
      (text) => saveText(`${identity}-timeline.jsonl`, text),
      (failure: unknown) => setExportError(messageOf(failure)),
    );
  };

  // The test id is the History panel's: the Timeline is what it became.
  return (
    <div className="timeline" data-testid="history">
      <div className="timeline-bar">
        <div className="net-chips timeline-chips" role="group" aria-label="Kinds shown">
          <button
            type="button"
            aria-pressed={kinds.size === 0}
            className={`net-chip ${kinds.size === 0 ? 'is-active' : ''}`}
            onClick={() => setKinds(new Set())}
            data-testid="timeline-chip-all"
          >
            All <span className="net-chip-count">{events.length}</span>
          </button>
          {present.map((kind) => (
            <button
              key={kind}
              type="button"
              aria-pressed={kinds.has(kind)}
              className={`net-chip ${kinds.has(kind) ? 'is-active' : ''}`}
              onClick={() => toggle(kind)}
              data-testid={`timeline-chip-${kind}`}
            >
              {kind} <span className="net-chip-count">{events.filter((event) => event.kind === kind).length}</span>
            </button>
          ))}
        </div>
        <button type="button" className="button button-small" onClick={download} data-testid="timeline-export">
          Export
        </button>
      </div>
      {exportError === null ? null : <p className="panel-empty is-error">Could not export: {exportError}</p>}
      {shown.length === 0 ? (
        <p className="panel-empty">{events.length === 0 ? 'Nothing has happened yet.' : 'No event of these kinds.'}</p>
      ) : (
        <ol className="timeline-list" data-testid="timeline">
          {shown.map((event, index) => (
            <TimelineLine key={`${event.at}-${index}`} event={event} journal={journal} identity={identity} />
          ))}
        </ol>
      )}
    </div>
  );
}

function TimelineLine({ event, journal, identity }: { event: TimelineEvent; journal: JournalEntry[]; identity: string }): JSX.Element {
  const showCheckpoint = useBottlePanelStore((state) => state.showCheckpoint);
  const checkpointId = event.checkpoint?.id ?? '';
  const edit =
    event.kind === 'decision' ? journal.find((entry) => entry.requestId === event.request?.id && entry.at === event.at)?.edit : undefined;
  return (
    <li className={`timeline-event timeline-${event.kind}`} data-kind={event.kind} data-testid="timeline-event">
      <div className="timeline-head">
        <time title={exactTime(event.at)}>{new Date(event.at).toLocaleString()}</time>
        <span className={`timeline-kind ${event.decision === undefined ? '' : `pill-${event.decision}`}`}>
          <span aria-hidden="true">{iconOf(event)}</span> {event.kind}
        </span>
        <span className="timeline-what">{escapeLine(timelineWhat(event))}</span>
        <span className="muted timeline-by">by {escapeLine(event.by)}</span>
      </div>
      {edit === undefined ? null : (
        <details data-testid="history-edit">
          <summary>Approved with edits: the agent&apos;s proposal → what was built</summary>
          <DiffView diff={edit.diff} label="The operator's edits" />
        </details>
      )}
      {event.diff === undefined ? null : (
        <details data-testid="timeline-diff">
          <summary>Dockerfile diff</summary>
          <DiffView diff={event.diff} />
        </details>
      )}
      {event.checkpoint === undefined ? null : (
        <details data-testid="timeline-checkpoint">
          <summary>Checkpoint {event.checkpoint.id}</summary>
          <dl className="timeline-facts">
            <dt>id</dt>
            <dd>
              <code>{event.checkpoint.id}</code>
            </dd>
            <dt>name</dt>
            <dd>{event.checkpoint.name === null ? '—' : escapeLine(event.checkpoint.name)}</dd>
            <dt>size</dt>
            <dd>{formatBytes(event.checkpoint.size)}</dd>
            <dt>go back</dt>
            <dd>
              <code>
                claude-bottle restore {identity} {event.checkpoint.id}
              </code>
            </dd>
          </dl>
          <button type="button" className="button" data-testid="timeline-show-checkpoint" onClick={() => showCheckpoint(checkpointId)}>
            Show in Checkpoints
          </button>
        </details>
      )}
    </li>
  );
}

/** The browser's own download of text: a blob link clicked once, then let go. */
function saveText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type JSX, type KeyboardEvent } from 'react';
import { formatBytes } from '../../../shared/format-bytes';
import {
  filterNetworkLog,
  networkDestination,
  NETWORK_DECISION_FILTERS,
  type NetworkDecisionFilter,
} from '../../../shared/network-log-filter';
import type { NetworkLogEntry } from '../../../shared/network-view';
import { exactTime } from '../lib/format';
import { stackOffsets, visibleRange } from '../lib/windowing';
import { useNetworkLog, useNetworkLogStore } from '../stores/network-log-store';

const ROW_HEIGHT = 24;
const CHIP_LABELS: Record<NetworkDecisionFilter, string> = { all: 'All', allow: 'Allowed', deny: 'Refused' };
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function clockTime(iso: string): string {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : clock.format(then);
}

function Row({ entry, index, selected }: { entry: NetworkLogEntry; index: number; selected: boolean }): JSX.Element {
  const refused = entry.decision === 'deny';
  return (
    <div
      id={`net-row-${index}`}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={selected}
      className={`net-row ${selected ? 'is-current' : ''} ${refused ? 'is-refused' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      data-testid="net-row"
    >
      <span role="gridcell" className="net-time" title={exactTime(entry.time)}>
        {clockTime(entry.time)}
      </span>
      <span role="gridcell" className="net-dest" title={networkDestination(entry)}>
        {networkDestination(entry)}
      </span>
      <span
        role="gridcell"
        className="net-proto"
        title={entry.signed === true ? 'The gateway signed this connection’s requests with a stored credential' : undefined}
      >
        {entry.signed === true ? <span className="net-signed">SIGNED</span> : entry.protocol === 'connect' ? 'CONNECT' : 'HTTP'}
      </span>
      <span role="gridcell" className="net-bytes" title={`${entry.bytesUp} bytes sent, ${entry.bytesDown} bytes received`}>
        {entry.event === 'end' ? `↑ ${formatBytes(entry.bytesUp)}  ↓ ${formatBytes(entry.bytesDown)}` : '—'}
      </span>
      <span role="gridcell" className={`net-decision ${refused ? 'is-deny' : 'is-allow'}`}>
        {refused ? 'refused' : 'allowed'}
      </span>
      <span role="gridcell" className="net-by">
        {entry.by}
      </span>
      <span role="gridcell" className="net-reason" title={entry.reason ?? undefined}>
        {entry.reason ?? ''}
      </span>
    </div>
  );
}

/** The rows in the scroll box that show now, and only those in the DOM; follows the end while it is there. */
function NetworkRows({ entries, label }: { entries: readonly NetworkLogEntry[]; label: string }): JSX.Element {
  const boxRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const [pinned, setPinned] = useState(true);
  const [current, setCurrent] = useState<number | null>(null);
  const count = entries.length;
  const offsets = useMemo(() => stackOffsets(count, () => ROW_HEIGHT), [count]);
  const range = visibleRange(offsets, view.top, view.height, 12);
  const chosen = current !== null && current < count ? current : null;

  const measure = useCallback(() => {
    const box = boxRef.current;
    if (box !== null) setView({ top: box.scrollTop, height: box.clientHeight });
  }, []);
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    if (pinned) box.scrollTop = box.scrollHeight;
    measure();
  }, [entries, pinned, measure]);
  useEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [measure]);

  const moveTo = (index: number): void => {
    const box = boxRef.current;
    if (box === null || count === 0) return;
    const next = Math.max(0, Math.min(count - 1, index));
    setCurrent(next);
    const top = next * ROW_HEIGHT;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + ROW_HEIGHT > box.scrollTop + box.clientHeight) box.scrollTop = top + ROW_HEIGHT - box.clientHeight;
    setPinned(next === count - 1);
    measure();
  };
  const page = Math.max(1, Math.floor(view.height / ROW_HEIGHT) - 1);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const from = chosen ?? count;
    const moves: Record<string, number> = {
      ArrowDown: from + 1,
      ArrowUp: from - 1,
      PageDown: from + page,
      PageUp: from - page,
      Home: 0,
      End: count - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    moveTo(target);
  };

  const rows: JSX.Element[] = [];
  for (let index = range.start; index < range.end; index += 1) {
    const entry = entries[index];
    if (entry !== undefined) rows.push(<Row key={index} entry={entry} index={index} selected={index === chosen} />);
  }
  return (
    <div
      ref={boxRef}
      className="net-box"
      role="grid"
      aria-label={label}
      aria-rowcount={count}
      aria-activedescendant={chosen === null ? undefined : `net-row-${chosen}`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="net-rows"
      data-count={count}
      onScroll={(event) => {
        const box = event.currentTarget;
        setPinned(box.scrollTop + box.clientHeight >= box.scrollHeight - ROW_HEIGHT);
        measure();
      }}
    >
      <div className="net-stack" style={{ height: count * ROW_HEIGHT }}>
        {rows}
      </div>
    </div>
  );
}

function emptyText(gatewayOn: boolean | null, filtered: boolean): string {
  if (filtered) return 'No connection matches the filter.';
  const what = 'when, to which host and port, the protocol, the bytes each way, and who allowed or refused it (with the reason)';
  if (gatewayOn === false)
    return `The network gateway is off (settings.json "gatewayNetwork"), so this bottle uses the engine's network and no connection is recorded. With it on, every connection shows here as it ends: ${what}.`;
  return `No connections yet. Every connection this bottle makes through its gateway shows here as it ends: ${what}.`;
}

/**
 * A bottle's connection log (issue 19): what it read at open, then each connection as the gateway
 * reports it, the newest at the bottom. Filter by destination and by decision; arrows, Page keys,
 * Home and End move through the rows, which render only while in view.
 */
export function NetworkLogView({ identity }: { identity: string }): JSX.Element {
  const log = useNetworkLog(identity);
  const [text, setText] = useState('');
  const [decision, setDecision] = useState<NetworkDecisionFilter>('all');
  useEffect(() => {
    useNetworkLogStore.getState().open(identity);
    return () => useNetworkLogStore.getState().close(identity);
  }, [identity]);
  const shown = useMemo(() => filterNetworkLog(log.entries, { text, decision }), [log.entries, text, decision]);
  const refused = useMemo(() => log.entries.filter((entry) => entry.decision === 'deny').length, [log.entries]);
  const counts: Record<NetworkDecisionFilter, number> = { all: log.entries.length, allow: log.entries.length - refused, deny: refused };
  const filtered = shown.length !== log.entries.length;

  const total = `${filtered ? `${shown.length.toLocaleString()} of ` : ''}${log.entries.length.toLocaleString()} connection${log.entries.length === 1 ? '' : 's'}`;
  let status: string;
  if (log.loading) status = 'Reading the connection log…';
  else if (log.error !== null) status = log.error;
  else if (log.gatewayOn === false)
    status =
      log.entries.length === 0
        ? 'Nothing recorded: the network gateway is off.'
        : `${total} from before: the network gateway is off, nothing new is recorded.`;
  else status = `${total} · new ones appear as they end`;

  return (
    <div className="logs-view net-view" data-testid="network-view">
      <div className="logs-toolbar">
        <input
          type="search"
          className="logs-search"
          placeholder="Filter by host"
          aria-label="Filter by host"
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="net-filter"
        />
        <div className="net-chips" role="group" aria-label="Decision">
          {NETWORK_DECISION_FILTERS.map((name) => (
            <button
              key={name}
              type="button"
              aria-pressed={decision === name}
              className={`net-chip ${decision === name ? 'is-active' : ''}`}
              onClick={() => setDecision(name)}
              data-testid={`net-chip-${name}`}
            >
              {CHIP_LABELS[name]} <span className="net-chip-count">{counts[name].toLocaleString()}</span>
            </button>
          ))}
        </div>
      </div>
      <p className={`logs-status ${log.error === null ? '' : 'is-error'}`} role="status" data-testid="net-status">
        {status}
      </p>
      {log.loading || log.error !== null ? null : shown.length === 0 ? (
        <p className="panel-empty" data-testid="net-empty" data-gateway={String(log.gatewayOn)}>
          {emptyText(log.gatewayOn, log.entries.length > 0)}
        </p>
      ) : (
        <>
          <div className="net-row net-head" aria-hidden="true">
            <span>Time</span>
            <span>Destination</span>
            <span>Protocol</span>
            <span>Bytes</span>
            <span>Decision</span>
            <span>By</span>
            <span>Reason</span>
          </div>
          {/* Another filter is another list: the selection and the scroll start again, at the newest. */}
          <NetworkRows key={`${decision}\0${text}`} entries={shown} label={`Connections of ${identity}`} />
        </>
      )}
    </div>
  );
}

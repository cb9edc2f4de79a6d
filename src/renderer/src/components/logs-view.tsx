import { useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type JSX } from 'react';
import { flushSync } from 'react-dom';
import { invoke, messageOf } from '../api/api';
import { copyText } from '../lib/bottle-actions';
import { followStream, logStreams, type StreamHandlers } from '../lib/keyed-streams';
import { LogLines, matchingLines, splitMatches } from '../lib/log-lines';
import { followPrefetchedLogs, LOG_TAILS, logStreamKey } from '../lib/log-prefetch';
import { stackOffsets, visibleRange } from '../lib/windowing';

const LINE_HEIGHT = 18;

type StreamState = { kind: 'opening' } | { kind: 'open' } | { kind: 'ended'; reason: string | null } | { kind: 'failed'; message: string };

/** The lines in the scroll box that show now, and only those in the DOM. */
function LogScroller({
  lines,
  version,
  needle,
  current,
  follow,
  onUserScroll,
}: {
  lines: LogLines;
  version: number;
  needle: string;
  current: number | null;
  follow: boolean;
  onUserScroll: (atEnd: boolean) => void;
}): JSX.Element {
  const boxRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const count = lines.length;
  const offsets = useMemo(() => stackOffsets(count, () => LINE_HEIGHT), [count]);
  const range = visibleRange(offsets, view.top, view.height, 20);

  const measure = useCallback(() => {
    const box = boxRef.current;
    if (box !== null) setView({ top: box.scrollTop, height: box.clientHeight });
  }, []);
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    if (follow) box.scrollTop = box.scrollHeight;
    measure();
  }, [version, follow, measure]);
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box === null || current === null) return;
    const top = current * LINE_HEIGHT;
    if (top < box.scrollTop || top + LINE_HEIGHT > box.scrollTop + box.clientHeight) box.scrollTop = top - box.clientHeight / 2;
    measure();
  }, [current, measure]);
  useEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [measure]);

  const rows: JSX.Element[] = [];
  for (let index = range.start; index < range.end; index += 1) {
    const text = lines.line(index);
    rows.push(
      <div
        key={index}
        className={`log-line ${index === current ? 'is-current' : ''}`}
        style={{ transform: `translateY(${index * LINE_HEIGHT}px)` }}
      >
        {needle === '' ? text : splitMatches(text, needle).map((part, at) => (part.match ? <mark key={at}>{part.text}</mark> : part.text))}
        {text === '' ? ' ' : null}
      </div>,
    );
  }
  return (
    <div
      ref={boxRef}
      className="log-box"
      tabIndex={0}
      data-testid="log-lines"
      data-count={count}
      onScroll={(event) => {
        const box = event.currentTarget;
        onUserScroll(box.scrollTop + box.clientHeight >= box.scrollHeight - LINE_HEIGHT);
        measure();
      }}
    >
      <div className="log-stack" style={{ height: count * LINE_HEIGHT }}>
        {rows}
      </div>
    </div>
  );
}

/** Streams a container's log into a line buffer: `version` moves whenever the lines do. */
function useLogStream(
  identity: string,
  containerId: string | null,
  tail: number,
  follow: boolean,
): { lines: LogLines; version: number; stream: StreamState } {
  // The stream's state is tagged with the stream it belongs to: a new one (another bottle,
  // container, tail or follow) reads as opening until its own first word.
  const streamFor = `${identity}\0${containerId ?? ''}\0${tail}\0${String(follow)}`;
  const [tagged, setTagged] = useState<{ for: string; state: StreamState } | null>(null);
  const [version, bump] = useReducer((value: number) => value + 1, 0);
  const lines = useMemo(() => new LogLines(), []);

  useEffect(() => {
    if (containerId === null) return;
    let frame = 0;
    // Many chunks in one frame redraw once, in that frame: rendered inside the animation frame
    // (not in a task after it), the lines are painted by this frame rather than the next.
    const redraw = (): void => {
      if (frame === 0)
        frame = window.requestAnimationFrame(() => {
          frame = 0;
          flushSync(bump);
        });
    };
    const setStream = (state: StreamState): void => setTagged({ for: streamFor, state });
    // The previous stream's lines go at the next frame.
    lines.clear();
    redraw();
    const handlers: StreamHandlers = {
      opened: () => setStream({ kind: 'open' }),
      data: (text) => {
        lines.append(text);
        redraw();
      },
      end: (reason) => setStream({ kind: 'ended', reason }),
      failed: (error) => setStream({ kind: 'failed', message: messageOf(error) }),
    };
    // Opened already when the tab was pressed (log-prefetch.ts), or opened now. The container
    // shown: the core reads it at once rather than looking the bottle's container up.
    const stop =
      followPrefetchedLogs(logStreamKey(identity, containerId, tail, follow), handlers) ??
      followStream(
        logStreams,
        invoke('logs:open', { identity, tail, follow, containerId }).then((result) => result.streamId),
        (streamId) => invoke('logs:close', streamId),
        handlers,
      );
    return () => {
      stop();
      if (frame !== 0) window.cancelAnimationFrame(frame);
    };
  }, [identity, containerId, tail, follow, lines, streamFor]);
  return { lines, version, stream: tagged?.for === streamFor ? tagged.state : { kind: 'opening' } };
}

interface LogSearch {
  search: string;
  setSearch: (text: string) => void;
  needle: string;
  matches: number[];
  /** The chosen match's line, or null. */
  current: number | null;
  step: (by: 1 | -1) => void;
}

/** Search over the lines: the matches follow new output; stepping unpins the view from the end. */
function useLogSearch(lines: LogLines, version: number, unpin: () => void): LogSearch {
  const [search, setSearch] = useState('');
  // The chosen match, with the search it was chosen in: a new search starts with none.
  const [chosen, setChosen] = useState<{ needle: string; line: number } | null>(null);
  const needle = useDeferredValue(search.trim());
  // `lines` is mutable and `version` is its revision: the matches follow new output.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const matches = useMemo(() => (needle === '' ? [] : matchingLines(lines.all(), needle)), [lines, needle, version]);
  const current = chosen?.needle === needle ? chosen.line : null;
  const step = (by: 1 | -1): void => {
    if (matches.length === 0) return;
    const at = current === null ? -1 : matches.indexOf(current);
    const next = at === -1 ? (by === 1 ? 0 : matches.length - 1) : (at + by + matches.length) % matches.length;
    unpin();
    const line = matches[next];
    setChosen(line === undefined ? null : { needle, line });
  };
  return { search, setSearch, needle, matches, current, step };
}

function matchesLabel({ needle, matches, current }: LogSearch): string {
  if (needle === '') return '';
  if (matches.length === 0) return 'no match';
  return `${current === null ? '' : `${matches.indexOf(current) + 1} of `}${matches.length} ${matches.length === 1 ? 'line' : 'lines'}`;
}

function SearchControls({ search }: { search: LogSearch }): JSX.Element {
  return (
    <>
      <input
        type="search"
        className="logs-search"
        placeholder="Search the log"
        aria-label="Search the log"
        value={search.search}
        onChange={(event) => search.setSearch(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') search.step(event.shiftKey ? -1 : 1);
        }}
        data-testid="logs-search"
      />
      <span className="logs-matches" data-testid="logs-matches" aria-live="polite">
        {matchesLabel(search)}
      </span>
      <button
        type="button"
        className="button button-small button-quiet"
        onClick={() => search.step(-1)}
        disabled={search.matches.length === 0}
        aria-label="Previous match"
      >
        ↑
      </button>
      <button
        type="button"
        className="button button-small button-quiet"
        onClick={() => search.step(1)}
        disabled={search.matches.length === 0}
        aria-label="Next match"
      >
        ↓
      </button>
    </>
  );
}

function downloadLines(lines: LogLines, identity: string): void {
  const url = URL.createObjectURL(new Blob([`${lines.all().join('\n')}\n`], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${identity}.log`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function streamStatus(stream: StreamState, follow: boolean, count: number): string {
  if (stream.kind === 'opening') return 'Reading…';
  if (stream.kind === 'failed') return stream.message;
  if (stream.kind === 'ended')
    return stream.reason ?? (follow ? 'The container stopped; the log ends here.' : `Last ${count.toLocaleString()} lines`);
  return `Following · ${count.toLocaleString()} lines`;
}

/**
 * A bottle's output as the engine kept it: the last lines (the engine seeks to the tail, so a huge
 * log opens as fast as a small one), then what it writes next while following. Search marks and
 * steps through matches; Copy and Download take the lines shown. At most 100,000 lines are kept.
 */
export function LogsView({ identity, containerId }: { identity: string; containerId: string | null }): JSX.Element {
  const [tail, setTail] = useState<number>(LOG_TAILS[0]);
  const [follow, setFollow] = useState(true);
  const [pinned, setPinned] = useState(true);
  const { lines, version, stream } = useLogStream(identity, containerId, tail, follow);
  const search = useLogSearch(lines, version, () => setPinned(false));

  if (containerId === null) {
    return (
      <p className="panel-empty" data-testid="logs-none">
        No container, so no logs: stopping a bottle saves its state and removes its container. Resume it to see new output.
      </p>
    );
  }
  return (
    <div className="logs-view" data-testid="logs-view">
      <div className="logs-toolbar">
        <label className="checkbox">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} data-testid="logs-follow" />
          Follow
        </label>
        <label className="logs-tail">
          Last
          <select value={tail} onChange={(event) => setTail(Number(event.target.value))} aria-label="Lines to show" data-testid="logs-tail">
            {LOG_TAILS.map((value) => (
              <option key={value} value={value}>
                {value.toLocaleString()} lines
              </option>
            ))}
          </select>
        </label>
        <SearchControls search={search} />
        <span className="bulk-spacer" />
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => void copyText(lines.all().join('\n'), `Copied ${lines.length.toLocaleString()} lines`)}
        >
          Copy
        </button>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => downloadLines(lines, identity)}
          title="Saves the lines shown; claude-bottle logs gives the whole log"
        >
          Download
        </button>
      </div>
      <p
        className={`logs-status ${stream.kind === 'failed' ? 'is-error' : ''}`}
        role="status"
        data-testid="logs-status"
        data-state={stream.kind}
      >
        {streamStatus(stream, follow, lines.length)}
        {follow && !pinned ? (
          <button type="button" className="button button-small button-quiet" onClick={() => setPinned(true)}>
            Jump to the end
          </button>
        ) : null}
      </p>
      <LogScroller
        lines={lines}
        version={version}
        needle={search.needle}
        current={search.current}
        follow={follow && pinned}
        onUserScroll={(atEnd) => setPinned(atEnd)}
      />
    </div>
  );
}

import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appendJournal } from '../../src/core/rebuild/journal';
import { appendTimeline, readTimeline, recordFork, timelinePath, writeTimelineFile } from '../../src/core/timeline';
import { isNewTurn, MAX_TURNS_PER_MINUTE } from '../../src/core/timeline/note-timeline';
import { readTimelineFile } from '../../src/core/timeline/timeline';
import { timelineJsonLines, timelineOcsf } from '../../src/core/timeline/timeline-export';
import { MAX_TIMELINE_LINE, MAX_TIMELINE_TEXT } from '../../src/core/timeline/timeline-schema';
import { useTempHome } from '../helpers/temp-home';
import type { JournalEntry } from '../../src/shared/bottle-view';

const home = useTempHome();
const IDENTITY = 'worker-abcde';

function journalEntry(at: string, decision: JournalEntry['decision'], requestId: string): JournalEntry {
  return {
    at,
    decision,
    requestId,
    reason: 'needs jq',
    diff: '+RUN apk add jq\n',
    imageId: decision === 'approved' ? 'sha256:abc' : null,
    message: null,
    by: 'alice',
  };
}

describe('timeline.jsonl', () => {
  it('appends one line per event and reads them back in order', async () => {
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:00:00.000Z', kind: 'start', by: 'alice', instruction: 'fix the tests' });
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:05:00.000Z', kind: 'stop', by: 'alice', reason: 'operator' });
    const lines = (await readFile(timelinePath(IDENTITY), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ v: 1, kind: 'start', by: 'alice', instruction: 'fix the tests' });
    expect((await readTimeline(IDENTITY)).map((event) => event.kind)).toEqual(['start', 'stop']);
  });

  it('skips a torn last line and a foreign one, and keeps appending after them', async () => {
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:00:00.000Z', kind: 'start', by: 'alice' });
    await appendFile(timelinePath(IDENTITY), '{"v":1,"at":"2026-12-04T10:01:00.000Z","kind":"sto');
    // The torn line and the next append share a line: that line is lost, never the events around it.
    await appendFile(timelinePath(IDENTITY), '\n{"v":2,"kind":"alien"}\nnot json\n');
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:02:00.000Z', kind: 'resume', by: 'alice' });
    expect((await readTimeline(IDENTITY)).map((event) => event.kind)).toEqual(['start', 'resume']);
  });

  it('escapes and caps hostile text, redacts secrets, and keeps one line under its cap', async () => {
    const hostile = `\u001b[31mred\u202eevil\nsecond line ${'x'.repeat(50_000)}`;
    await appendTimeline(IDENTITY, {
      kind: 'request',
      by: 'agent',
      request: { type: 'dockerfile', id: 'req-1' },
      reason: hostile,
      tool: hostile,
      host: hostile,
      lastMessage: 'my key is sk-ant-api03-SECRETSECRETSECRET and ANTHROPIC_API_KEY=sk-other-value',
    });
    const text = await readFile(timelinePath(IDENTITY), 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TIMELINE_LINE);
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
    expect(text).not.toContain('SECRETSECRET');
    expect(text).not.toContain('sk-other-value');
    const [event] = await readTimelineFile(IDENTITY);
    expect(event?.reason?.length).toBeLessThanOrEqual(MAX_TIMELINE_TEXT);
    expect(event?.reason).toContain('\\x1b[31mred\\u202eevil\\nsecond line');
  });

  it('never takes a diff from the file: only the journal gives one', async () => {
    await appendTimeline(IDENTITY, { kind: 'start', by: 'alice' });
    await writeFile(
      timelinePath(IDENTITY),
      `${JSON.stringify({ v: 1, at: '2026-12-04T10:00:00.000Z', kind: 'decision', by: 'x', diff: 'forged' })}\n`,
    );
    expect((await readTimeline(IDENTITY))[0]?.diff).toBeUndefined();
  });

  it('merges the journal (a bottle from before, or the Python CLI) in time order, stable', async () => {
    await appendJournal(
      IDENTITY,
      journalEntry('2026-12-04T10:03:00.000Z', 'approved', 'req-1'),
      journalEntry('2026-12-04T10:06:00.000Z', 'rejected', 'req-2'),
    );
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:00:00.000Z', kind: 'start', by: 'alice' });
    await appendTimeline(IDENTITY, {
      at: '2026-12-04T10:02:00.000Z',
      kind: 'request',
      by: 'agent',
      request: { type: 'dockerfile', id: 'req-1' },
    });
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:03:00.000Z', kind: 'stop', by: 'alice', reason: 'approval' });
    await appendTimeline(IDENTITY, {
      at: '2026-12-04T10:05:00.000Z',
      kind: 'request',
      by: 'agent',
      request: { type: 'dockerfile', id: 'req-2' },
    });
    const events = await readTimeline(IDENTITY);
    expect(events.map((event) => `${event.kind}${event.decision === undefined ? '' : `:${event.decision}`}`)).toEqual([
      'start',
      'request',
      'stop',
      'decision:approved',
      'build',
      'request',
      'decision:rejected',
    ]);
    expect(events[3]).toMatchObject({ by: 'alice', request: { type: 'dockerfile', id: 'req-1' }, diff: '+RUN apk add jq\n' });
    expect(events[4]).toMatchObject({ outcome: 'built', imageId: 'sha256:abc' });
  });

  it('shows a journal alone (no timeline.jsonl) and a permission decision as one', async () => {
    await appendJournal(IDENTITY, { ...journalEntry('2026-12-04T10:00:00.000Z', 'denied', 'perm-1'), diff: '' });
    expect(await readTimeline(IDENTITY)).toEqual([
      {
        v: 1,
        at: '2026-12-04T10:00:00.000Z',
        kind: 'decision',
        by: 'alice',
        request: { type: 'permission', id: 'perm-1' },
        decision: 'denied',
        reason: 'needs jq',
      },
    ]);
  });

  it('records a fork on both sides', async () => {
    const checkpoint = { id: '20261204-100000-abcde', name: 'before', size: 42 };
    await recordFork(IDENTITY, ['worker-fffff', 'worker-ggggg'], checkpoint, 'alice');
    expect(await readTimeline(IDENTITY)).toMatchObject([{ kind: 'fork', identities: ['worker-fffff', 'worker-ggggg'], checkpoint }]);
    expect(await readTimeline('worker-ggggg')).toMatchObject([{ kind: 'forked-from', from: IDENTITY, checkpoint }]);
  });

  it('coalesces agent turns: one per state change, at most a capped number a minute', () => {
    const now = 1_000_000;
    expect(isNewTurn('turns-aaaaa', 'working', now)).toBe(true);
    expect(isNewTurn('turns-aaaaa', 'working', now + 1)).toBe(false);
    let recorded = 1;
    for (let index = 0; index < 200; index += 1)
      if (isNewTurn('turns-aaaaa', index % 2 === 0 ? 'waiting' : 'working', now + 2 + index)) recorded += 1;
    expect(recorded).toBe(MAX_TURNS_PER_MINUTE);
    expect(isNewTurn('turns-aaaaa', 'finished', now + 61_000)).toBe(true);
  });
});

describe('timeline export', () => {
  it('writes JSON Lines and OCSF decisions, refusing to overwrite without force', async () => {
    await appendJournal(
      IDENTITY,
      journalEntry('2026-12-04T10:03:00.000Z', 'approved', 'req-1'),
      journalEntry('2026-12-04T10:04:00.000Z', 'rejected', 'req-2'),
    );
    await appendTimeline(IDENTITY, { at: '2026-12-04T10:00:00.000Z', kind: 'start', by: 'alice' });
    const events = await readTimeline(IDENTITY);
    const file = `${home()}/out.jsonl`;
    expect(await writeTimelineFile(IDENTITY, events, file, { ocsf: false, force: false, version: '1.0.0' })).toBe(4);
    expect(
      (await readFile(file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string })
        .map((event) => event.kind),
    ).toEqual(['start', 'decision', 'build', 'decision']);
    await expect(writeTimelineFile(IDENTITY, events, file, { ocsf: true, force: false, version: '1.0.0' })).rejects.toThrow(/exists/);
    expect(await readFile(file, 'utf8')).toBe(timelineJsonLines(events));
    expect(await writeTimelineFile(IDENTITY, events, file, { ocsf: true, force: true, version: '1.0.0' })).toBe(2);
    const ocsf = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ocsf).toMatchObject([
      {
        class_uid: 6003,
        category_uid: 6,
        activity_id: 99,
        type_uid: 600399,
        status_id: 1,
        status: 'approved',
        api: { operation: 'dockerfile.approved', request: { uid: 'req-1' } },
        actor: { user: { name: 'alice' } },
        src_endpoint: { name: IDENTITY },
      },
      { status_id: 2, status: 'rejected', time: Date.parse('2026-12-04T10:04:00.000Z') },
    ]);
    expect(timelineOcsf(IDENTITY, [], '1')).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import {
  CLAUDE_HOOK_EVENTS,
  CLAUDE_HOOK_PROGRAM,
  mergeReportHooks,
  PERMISSION_HOOK_TIMEOUT_SECONDS,
} from '../../src/core/bottles/report-hooks';

const OPERATOR = {
  model: 'opus',
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/home/me/audit.sh' }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
  },
};

function merged(existing: unknown): Record<string, unknown> {
  const result = mergeReportHooks(Buffer.from(JSON.stringify(existing)), 'settings.json');
  if (result.kind !== 'merged') throw new Error(`not merged: ${result.kind}`);
  return JSON.parse(result.content.toString('utf8')) as Record<string, unknown>;
}

describe("the report hooks merged into Claude Code's settings", () => {
  it("keeps the operator's settings and hooks first, and appends ours to every event", () => {
    const settings = merged(OPERATOR) as { model: string; hooks: Record<string, { hooks: { command: string }[] }[]> };
    expect(settings.model).toBe('opus');
    expect(settings.hooks.PreToolUse?.[0]).toEqual(OPERATOR.hooks.PreToolUse[0]);
    expect(settings.hooks.Stop?.[0]).toEqual(OPERATOR.hooks.Stop[0]);
    for (const event of CLAUDE_HOOK_EVENTS) {
      const ours = settings.hooks[event]?.at(-1)?.hooks[0];
      expect(ours).toMatchObject({ type: 'command', command: `${CLAUDE_HOOK_PROGRAM} ${event}` });
    }
    expect(settings.hooks.PermissionRequest?.[0]?.hooks[0]).toMatchObject({ timeout: PERMISSION_HOOK_TIMEOUT_SECONDS });
  });

  it('adds them once: settings that name our hook already stay unchanged', () => {
    const once = merged(OPERATOR);
    expect(mergeReportHooks(Buffer.from(JSON.stringify(once)), 'settings.json').kind).toBe('unchanged');
  });

  it('writes settings of their own when there is no file, or an empty one', () => {
    for (const existing of [null, Buffer.from('  \n')]) {
      const result = mergeReportHooks(existing, 'settings.json');
      expect(result.kind).toBe('merged');
    }
  });

  it('leaves a file that does not parse, or hooks of another shape, exactly as they are, with a warning', () => {
    for (const text of ['{"model": "opus",', '[1, 2]', '"text"', '{"hooks": []}', '{"hooks": {"Stop": {"command": "x"}}}']) {
      const result = mergeReportHooks(Buffer.from(text), '~/.claude/settings.json');
      expect(result.kind, text).toBe('left-alone');
      if (result.kind === 'left-alone') expect(result.warning).toMatch(/^~\/\.claude\/settings\.json .*: left as it is/);
    }
  });

  it('leaves settings nested too deeply to write back as they are, with a warning, rather than throwing', () => {
    const deep = `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const result = mergeReportHooks(Buffer.from(deep), "the bottle's settings.json");
    expect(result).toMatchObject({
      kind: 'left-alone',
      warning: expect.stringMatching(/is nested too deeply to add hooks to: left as it is/),
    });
  });
});

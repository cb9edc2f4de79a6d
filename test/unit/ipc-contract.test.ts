import { describe, expect, expectTypeOf, it } from 'vitest';
import { IPC_CHANNEL_NAMES, ipcChannels, type IpcArgs, type IpcResult } from '../../src/shared/ipc-contract';
import { ipcArgSchemas } from '../../src/shared/ipc-schemas';
import type { IpcHandlers } from '../../src/ipc/dispatch';

/*
 * The contract is one table; everything else is derived from it. The type-level checks below are
 * enforced by `npm run typecheck` (tsconfig.node.json covers test/): a `@ts-expect-error` that no
 * longer errors fails it, so a handler map that stops being checked would be caught.
 */
describe('the IPC contract table', () => {
  it('lists each channel once, and the validation map has exactly one schema per channel', () => {
    expect(new Set(IPC_CHANNEL_NAMES).size).toBe(IPC_CHANNEL_NAMES.length);
    expect([...IPC_CHANNEL_NAMES].sort()).toEqual(Object.keys(ipcChannels).sort());
    expect(Object.keys(ipcArgSchemas).sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
    for (const channel of IPC_CHANNEL_NAMES) expect(typeof ipcArgSchemas[channel].safeParse).toBe('function');
  });

  it('validates each channel with the schema its own entry describes', () => {
    expect(ipcArgSchemas['bottle:approve'].safeParse(['dev-abcde', { requestId: 'r-1', resume: true }]).success).toBe(true);
    expect(ipcArgSchemas['bottle:approve'].safeParse(['dev-abcde', { requestId: 'r-1', resume: true, extra: 1 }]).success).toBe(false);
    // Approve with edits: the operator's Dockerfile is bounded and holds no NUL.
    const edited = (dockerfile: string): boolean =>
      ipcArgSchemas['bottle:approve'].safeParse(['dev-abcde', { requestId: 'r-1', resume: false, dockerfile }]).success;
    expect(edited('FROM a\nRUN true\n')).toBe(true);
    expect(edited('FROM a\nRUN true\u0000\n')).toBe(false);
    expect(edited(`FROM a\n${'#'.repeat(64 * 1024)}\n`)).toBe(false);
    expect(edited('  \n')).toBe(false);
    expect(ipcArgSchemas['credentials:set'].safeParse([{ name: 'ANTHROPIC_API_KEY', value: 'k' }]).success).toBe(true);
    expect(ipcArgSchemas['credentials:set'].safeParse([{ name: 'PATH', value: 'k' }]).success).toBe(false);
    expect(ipcArgSchemas['shell:open'].safeParse([{ identity: 'dev-abcde', cols: 80, rows: 24 }]).success).toBe(true);
    expect(ipcArgSchemas['shell:open'].safeParse([{ identity: 'dev-abcde', cols: 0, rows: 24 }]).success).toBe(false);
    // The Changes tab's choice: since the start or new since the last apply, nothing else.
    const watch = (...args: unknown[]): boolean => ipcArgSchemas['changes:watch'].safeParse(args).success;
    expect(watch('dev-abcde', { since: 'start' })).toBe(true);
    expect(watch('dev-abcde', { since: 'apply' })).toBe(true);
    expect(watch('dev-abcde', { since: 'yesterday' })).toBe(false);
    expect(watch('dev-abcde', { since: 'apply', extra: 1 })).toBe(false);
    expect(watch('dev-abcde')).toBe(false);
    const file = (options: unknown): boolean => ipcArgSchemas['changes:file'].safeParse(['dev-abcde', options]).success;
    expect(file({ path: 'a.txt', view: 'diff', since: 'apply' })).toBe(true);
    expect(file({ path: 'a.txt', view: 'diff' })).toBe(true);
    expect(file({ path: 'a.txt', view: 'diff', since: 'later' })).toBe(false);
  });

  it('derives argument and result types from the table', () => {
    type Approve = [
      identity: string,
      options: { requestId: string; resume: boolean; proposalHash?: string | undefined; dockerfile?: string | undefined },
    ];
    expectTypeOf<IpcArgs<'bottle:approve'>>().toEqualTypeOf<Approve>();
    expectTypeOf<IpcArgs<'bottles:list'>>().toEqualTypeOf<[]>();
    expectTypeOf<IpcResult<'bottle:stop'>>().toEqualTypeOf<null>();
    expectTypeOf<IpcResult<'dialog:choose-folder'>>().toEqualTypeOf<string | null>();
  });

  it('checks the handler map at compile time: every channel, with its own types', () => {
    type Complete = IpcHandlers;
    // @ts-expect-error a handler map without a channel does not compile
    const missing: Complete = {} as Omit<IpcHandlers, 'bottle:stop'>;
    // @ts-expect-error a handler taking the wrong arguments does not compile
    const wrongArgs: Complete = {} as Omit<IpcHandlers, 'bottle:stop'> & { 'bottle:stop': (identity: number) => Promise<null> };
    // @ts-expect-error a handler answering the wrong type does not compile
    const wrongResult: Complete = {} as Omit<IpcHandlers, 'bottle:stop'> & { 'bottle:stop': (identity: string) => Promise<string> };
    void [missing, wrongArgs, wrongResult];
  });
});

import { describe, expect, it } from 'vitest';
import { listKey, type ListKeyState } from './list-keys';

const state = (overrides: Partial<ListKeyState> = {}): ListKeyState => ({
  identities: ['a-00001', 'b-00002', 'c-00003'],
  focused: null,
  hasSelection: false,
  isWaiting: (identity) => identity === 'c-00003',
  ...overrides,
});

describe('the list keyboard', () => {
  it('moves with j/k, starting at the top, stopping at the ends', () => {
    expect(listKey('j', state())).toEqual({ type: 'focus', identity: 'a-00001' });
    expect(listKey('k', state())).toEqual({ type: 'focus', identity: 'a-00001' });
    expect(listKey('j', state({ focused: 'a-00001' }))).toEqual({ type: 'focus', identity: 'b-00002' });
    expect(listKey('j', state({ focused: 'c-00003' }))).toEqual({ type: 'focus', identity: 'c-00003' });
    expect(listKey('k', state({ focused: 'b-00002' }))).toEqual({ type: 'focus', identity: 'a-00001' });
    // A focused bottle filtered out of view: start again from the top.
    expect(listKey('j', state({ focused: 'gone-zzzzz' }))).toEqual({ type: 'focus', identity: 'a-00001' });
    expect(listKey('j', state({ identities: [] }))).toEqual({ type: 'none' });
  });

  it('opens, filters, selects, and asks for help', () => {
    expect(listKey('Enter', state({ focused: 'b-00002' }))).toEqual({ type: 'open', identity: 'b-00002' });
    expect(listKey('Enter', state())).toEqual({ type: 'none' });
    expect(listKey('/', state())).toEqual({ type: 'filter' });
    expect(listKey('x', state({ focused: 'a-00001' }))).toEqual({ type: 'toggle-select', identity: 'a-00001' });
    expect(listKey('Escape', state({ hasSelection: true }))).toEqual({ type: 'clear-selection' });
    expect(listKey('Escape', state())).toEqual({ type: 'none' });
    expect(listKey('?', state())).toEqual({ type: 'help' });
    expect(listKey('n', state())).toEqual({ type: 'start' });
    expect(listKey('n', state({ identities: [] }))).toEqual({ type: 'start' });
    expect(listKey('q', state())).toEqual({ type: 'none' });
  });

  it('a opens the focused bottle’s approval, else the first one waiting', () => {
    expect(listKey('a', state({ focused: 'c-00003' }))).toEqual({ type: 'approve', identity: 'c-00003' });
    expect(listKey('a', state({ focused: 'a-00001' }))).toEqual({ type: 'approve', identity: 'c-00003' });
    expect(listKey('a', state({ isWaiting: () => false }))).toEqual({ type: 'none' });
  });
});

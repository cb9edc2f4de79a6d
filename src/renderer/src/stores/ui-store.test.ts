import { describe, expect, it } from 'vitest';
import { useUiStore } from './ui-store';

describe('ui store', () => {
  it('keeps the newest notices only, and dismisses by id', () => {
    const { notify } = useUiStore.getState();
    for (let i = 1; i <= 6; i += 1) notify('error', `problem ${i}`);
    const notices = useUiStore.getState().notices;
    expect(notices.map((notice) => notice.message)).toEqual(['problem 3', 'problem 4', 'problem 5', 'problem 6']);
    useUiStore.getState().dismiss(notices[0]?.id ?? -1);
    expect(useUiStore.getState().notices.map((notice) => notice.message)).toEqual(['problem 4', 'problem 5', 'problem 6']);
  });

  it('opens one panel at a time', () => {
    useUiStore.getState().openPanel('approval', 'dev-abcde');
    useUiStore.getState().openPanel('history', 'dev-fghij');
    expect(useUiStore.getState().panel).toEqual({ kind: 'history', identity: 'dev-fghij' });
    useUiStore.getState().closePanel();
    expect(useUiStore.getState().panel).toBeNull();
  });
});

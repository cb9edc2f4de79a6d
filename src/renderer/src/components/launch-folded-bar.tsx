import { useEffect, useRef, type JSX } from 'react';
import { START_KEY } from '../lib/list-keys';
import { useLaunchFoldStore } from '../stores/launch-fold-store';

/**
 * The start panel folded to one bar, once bottles exist: the list keeps its height. A click, Enter,
 * the start key or a dropped folder unfolds it (focused on the folder field).
 */
export function LaunchFoldedBar(): JSX.Element {
  const focus = useLaunchFoldStore((state) => state.focus);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Folded with Esc: the keyboard stays on the bar, where Enter opens the form again.
    if (focus !== 'bar') return;
    button.current?.focus();
    useLaunchFoldStore.getState().focused();
  }, [focus]);
  return (
    <div className="launch launch-folded" data-testid="launch-folded">
      <button
        ref={button}
        type="button"
        className="launch-unfold"
        aria-expanded={false}
        aria-keyshortcuts={START_KEY}
        title={`Start a bottle (${START_KEY})`}
        onClick={() => useLaunchFoldStore.getState().unfold('folder')}
        data-testid="launch-unfold"
      >
        <span aria-hidden="true">▸</span> Start a bottle…
      </button>
      <span className="launch-folded-hint">
        Drop a project folder anywhere in this window, or press <kbd>{START_KEY}</kbd>.
      </span>
    </div>
  );
}

import type { JSX } from 'react';
import { launchModeUsed, type LaunchModeState } from '../../../shared/launch-modes';

/*
 * The start panel's mount/copy choice, drawn from the shared launch-mode rule the core enforces: a
 * mode the engine refuses shows disabled, with why, and the mode the start will use shows checked.
 * `modes` null: the engine is not known yet, and both stay open (the core decides).
 */

export function ModeChoice({
  modes,
  copy,
  onChoose,
}: {
  modes: readonly LaunchModeState[] | null;
  copy: boolean;
  onChoose: (copy: boolean) => void;
}): JSX.Element {
  const mountRefused = modes?.find((state) => state.mode === 'mount')?.reason ?? null;
  const used = launchModeUsed(modes, copy);
  return (
    <div className="field">
      <span className="field-label" id="mode-label">
        Project folder is
      </span>
      <div className="segmented" role="radiogroup" aria-labelledby="mode-label">
        <label title={mountRefused ?? 'The bottle works on your folder directly (bind mount)'}>
          <input type="radio" name="mode" checked={used === 'mount'} disabled={mountRefused !== null} onChange={() => onChoose(false)} />
          <span>Mounted</span>
        </label>
        <label title="The bottle works on its own copy; your folder is not touched">
          <input type="radio" name="mode" checked={used === 'copy'} onChange={() => onChoose(true)} />
          <span>Copied</span>
        </label>
      </div>
    </div>
  );
}

/** Shown while the chosen engine refuses mount mode: why, so the switch to a copy is never silent. */
export function ModeRefusedNote({ modes }: { modes: readonly LaunchModeState[] | null }): JSX.Element | null {
  const refused = modes?.find((state) => state.mode === 'mount' && !state.allowed);
  if (refused === undefined) return null;
  return (
    <p className="launch-mode-note" role="note" data-testid="mode-note">
      Mounted is off: {refused.reason}. This bottle works on a copy of the folder.
    </p>
  );
}

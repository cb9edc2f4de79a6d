import type { JSX } from 'react';

/**
 * Where the bottle's Changes view goes (what the agent changed in the project, with diff, apply and
 * export: the work-comes-home view). Until it is mounted here, this says so plainly.
 */
export function ChangesSlot({ identity }: { identity: string }): JSX.Element {
  return (
    <div className="changes-slot" data-testid="changes-slot" data-identity={identity}>
      <p className="panel-empty">
        The Changes view (what the agent changed, with diff, apply and export) is not part of this build yet. From a terminal:{' '}
        <code>claude-bottle diff {identity}</code>
      </p>
    </div>
  );
}

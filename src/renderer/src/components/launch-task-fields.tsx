import type { JSX } from 'react';
import { bottleNameProblem, taskTextProblem } from '../lib/launch-fields';
import { useLaunchStore } from '../stores/launch-store';

/**
 * The start panel's optional Task (the agent's first instruction) and Name (shown beside the
 * identity on the card and in `ls`), each with its problem beside it as the operator types. No
 * maxLength: a paste cut silently would start the agent on half a task; too long is said instead.
 */
export function LaunchTaskFields(): JSX.Element {
  const name = useLaunchStore((state) => state.name);
  const task = useLaunchStore((state) => state.task);
  const setName = useLaunchStore((state) => state.setName);
  const setTask = useLaunchStore((state) => state.setTask);
  const nameProblem = bottleNameProblem(name.trim());
  const taskProblem = taskTextProblem(task);
  return (
    <div className="launch-row launch-task-row">
      <label className="field field-task">
        <span className="field-label">Task (optional)</span>
        <textarea
          rows={2}
          spellCheck
          placeholder="What the agent should do first, e.g. Fix the failing login test"
          value={task}
          onChange={(event) => setTask(event.target.value)}
          aria-invalid={taskProblem !== null}
          aria-describedby={taskProblem !== null ? 'launch-task-problem' : undefined}
          data-testid="task-input"
        />
        {taskProblem !== null ? (
          <span className="field-problem" id="launch-task-problem" role="alert">
            {taskProblem}
          </span>
        ) : null}
      </label>
      <label className="field field-name">
        <span className="field-label">Name (optional)</span>
        <input
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="fix-login"
          value={name}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={nameProblem !== null}
          aria-describedby={nameProblem !== null ? 'launch-name-problem' : undefined}
          data-testid="name-input"
        />
        {nameProblem !== null ? (
          <span className="field-problem" id="launch-name-problem" role="alert">
            {nameProblem}
          </span>
        ) : null}
      </label>
    </div>
  );
}

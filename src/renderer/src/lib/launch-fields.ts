import { BOTTLE_NAME_PATTERN, MAX_TASK_CHARS, TASK_TEXT_PATTERN } from '../../../shared/agent-reports';

/**
 * The start panel's optional Name and Task, checked as the `bottle:start` schema checks them (the
 * patterns and caps of src/shared/agent-reports.ts), so the operator reads what is wrong beside the
 * field instead of a refused start. Pure: null means fine (an empty field is fine: both are optional).
 */
export function bottleNameProblem(name: string): string | null {
  if (name === '' || BOTTLE_NAME_PATTERN.test(name)) return null;
  return '1–64 letters, digits, . _ or -, starting with a letter or digit.';
}

/** The same rule for the task and for a reply typed to the agent (both reach its terminal). */
export function taskTextProblem(text: string): string | null {
  if (text.length > MAX_TASK_CHARS) return `At most ${MAX_TASK_CHARS} characters (this is ${text.length}).`;
  if (!TASK_TEXT_PATTERN.test(text)) return 'Only plain text: no control characters other than newline and tab.';
  return null;
}

/** What `bottle:start` gets for the two fields: absent when left empty (a task of spaces only is none). */
export function launchExtras(name: string, task: string): { name?: string; prompt?: string } {
  const trimmedName = name.trim();
  return {
    ...(trimmedName === '' ? {} : { name: trimmedName }),
    ...(task.trim() === '' ? {} : { prompt: task }),
  };
}

import { describe, expect, it } from 'vitest';
import { MAX_TASK_CHARS } from '../../../shared/agent-reports';
import { bottleNameSchema, taskTextSchema } from '../../../shared/validation';
import { bottleNameProblem, launchExtras, taskTextProblem } from './launch-fields';

describe('the start panel checks Name and Task as bottle:start does', () => {
  const names = ['fix-login', 'a', 'v1.2_x', '-lead', '.hidden', 'with space', 'x'.repeat(64), 'x'.repeat(65), 'naïve', 'a;rm'];
  for (const name of names) {
    it(`name ${JSON.stringify(name)}: the panel and the schema agree`, () => {
      expect(bottleNameProblem(name) === null).toBe(bottleNameSchema.safeParse(name).success);
    });
  }
  it('an empty name is no problem: the field is optional', () => {
    expect(bottleNameProblem('')).toBeNull();
  });

  const tasks = [
    'Fix the login bug',
    'line one\nline two\twith a tab',
    'bell \u0007',
    'escape \u001b[2J',
    'csi \u009b',
    'x'.repeat(MAX_TASK_CHARS),
    'x'.repeat(MAX_TASK_CHARS + 1),
  ];
  for (const task of tasks) {
    it(`task of ${task.length} chars: the panel and the schema agree`, () => {
      expect(taskTextProblem(task) === null).toBe(taskTextSchema.safeParse(task).success);
    });
  }

  it('sends only what was filled in', () => {
    expect(launchExtras('', '  ')).toEqual({});
    expect(launchExtras(' fix-login ', 'Fix it\nplease')).toEqual({ name: 'fix-login', prompt: 'Fix it\nplease' });
  });
});

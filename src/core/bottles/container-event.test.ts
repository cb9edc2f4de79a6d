import { describe, expect, it } from 'vitest';
import { testView } from '../../../test/helpers/test-views';
import { containerAfterEvent, mergeContainerEvents, type ContainerEvent } from './container-event';

const shown = testView({ status: 'running' });
const id = shown.containerId as string;
const event = (action: string, attributes: Record<string, string> = {}): ContainerEvent => ({
  id,
  action,
  attributes: { 'claude-bottle.agent': 'dev', image: 'claude-bottle-agent-dev:0123', name: 'claude-bottle-dev-abcde', ...attributes },
});

describe('a container as an engine event leaves it', () => {
  it('takes the state from an action that sets it, with the exit code a die carries', () => {
    expect(containerAfterEvent(event('die', { exitCode: '137' }), shown)).toMatchObject({
      Id: id,
      State: 'exited',
      Status: 'Exited (137)',
    });
    expect(containerAfterEvent(event('start'), testView({ status: 'exited', exitCode: 0 }))).toMatchObject({ State: 'running' });
    expect(containerAfterEvent(event('die', { exitCode: '137' }), shown)?.Labels['claude-bottle.agent']).toBe('dev');
  });

  it('keeps the shown state through actions that change none', () => {
    expect(containerAfterEvent(event('kill', { signal: '9' }), shown)).toMatchObject({ State: 'running' });
    expect(containerAfterEvent(event('exec_start: sh -c true'), testView({ status: 'exited', exitCode: 3 }))).toMatchObject({
      State: 'exited',
      Status: 'Exited (3)',
    });
  });

  it('leaves to the engine what the event cannot tell', () => {
    // Another container of the bottle (a new one after an approval), a container gone, an unknown action.
    expect(containerAfterEvent({ ...event('die', { exitCode: '0' }), id: 'f'.repeat(64) }, shown)).toBeNull();
    expect(containerAfterEvent(event('destroy'), shown)).toBeNull();
    expect(containerAfterEvent(event('something-new'), shown)).toBeNull();
    expect(containerAfterEvent(event('die'), shown)).toBeNull();
    expect(containerAfterEvent(event('kill'), undefined)).toBeNull();
    expect(containerAfterEvent(event('kill'), testView({ status: 'missing-container' }))).toBeNull();
  });

  it('merges the events that land before the next read: a setter wins over what keeps the state', () => {
    const die = event('die', { exitCode: '1' });
    expect(mergeContainerEvents(mergeContainerEvents(undefined, event('kill')), die)).toBe(die);
    expect(mergeContainerEvents(die, event('attach'))).toBe(die);
    expect(mergeContainerEvents(die, 'full')).toBe('full');
    expect(mergeContainerEvents('full', die)).toBe('full');
    expect(mergeContainerEvents(die, { ...event('start'), id: 'f'.repeat(64) })).toBe('full');
  });
});

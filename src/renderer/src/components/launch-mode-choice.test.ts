import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { launchModeRefusal, launchModesFor } from '../../../shared/launch-modes';
import { ModeChoice, ModeRefusedNote } from './launch-mode-choice';

/* The start panel's mode choice, rendered (static markup, no DOM) for a local and a remote engine. */

const local = { name: 'default', local: true, host: 'unix:///var/run/docker.sock' };
const remote = { name: 'build-box', local: false, host: 'tcp://build-box:2376' };
const noop = (): void => undefined;

/** Markup with the entities React writes turned back into text. */
function decoded(markup: string): string {
  return markup.replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&amp;', '&');
}

/** The radio input of one mode, as rendered. */
function radio(markup: string, label: 'Mounted' | 'Copied'): string {
  const match = new RegExp(`<label[^>]*>(<input[^>]*>)<span>${label}</span>`).exec(markup);
  expect(match).not.toBeNull();
  return match?.[1] ?? '';
}

describe('the start panel asks the launch-mode rule the core enforces', () => {
  it('on a local engine: both modes open, the chosen one checked, no note', () => {
    const markup = renderToStaticMarkup(createElement(ModeChoice, { modes: launchModesFor(local), copy: false, onChoose: noop }));
    expect(radio(markup, 'Mounted')).toContain('checked');
    expect(radio(markup, 'Mounted')).not.toContain('disabled');
    expect(radio(markup, 'Copied')).not.toContain('checked');
    expect(renderToStaticMarkup(createElement(ModeRefusedNote, { modes: launchModesFor(local) }))).toBe('');
  });

  it("on a remote engine: mount shows disabled with the core's reason, copy checked, and the panel says why", () => {
    const reason = launchModeRefusal(remote, 'mount') ?? '';
    const markup = renderToStaticMarkup(createElement(ModeChoice, { modes: launchModesFor(remote), copy: false, onChoose: noop }));
    expect(radio(markup, 'Mounted')).toContain('disabled');
    expect(radio(markup, 'Mounted')).not.toContain('checked');
    expect(radio(markup, 'Copied')).toContain('checked');
    expect(reason).toMatch(/^mount mode needs/);
    expect(decoded(markup)).toContain(`<label title="${reason}">`);
    const note = renderToStaticMarkup(createElement(ModeRefusedNote, { modes: launchModesFor(remote) }));
    expect(note).toContain('data-testid="mode-note"');
    expect(decoded(note)).toContain(`Mounted is off: ${reason}. This bottle works on a copy of the folder.`);
  });

  it('while the engine is not known yet: both open, the choice as made', () => {
    const markup = renderToStaticMarkup(createElement(ModeChoice, { modes: null, copy: true, onChoose: noop }));
    expect(radio(markup, 'Mounted')).not.toContain('disabled');
    expect(radio(markup, 'Copied')).toContain('checked');
  });
});

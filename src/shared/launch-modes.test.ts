import { describe, expect, it } from 'vitest';
import { launchModeRefusal, launchModesFor, launchModeUsed } from './launch-modes';

const local = { name: 'default', local: true, host: 'unix:///var/run/docker.sock' };
const remote = { name: 'build-box', local: false, host: 'tcp://build-box:2376' };

describe('launch modes per engine', () => {
  it('offers both modes on an engine on this machine', () => {
    expect(launchModesFor(local)).toEqual([
      { mode: 'mount', allowed: true, reason: null },
      { mode: 'copy', allowed: true, reason: null },
    ]);
    expect(launchModeRefusal(local, 'mount')).toBeNull();
  });

  it('refuses mount on a remote engine, saying how it is reached, and keeps copy', () => {
    const reason = 'mount mode needs the project folder on the engine\'s own machine, and engine "build-box" is reached over tcp';
    expect(launchModesFor(remote)).toEqual([
      { mode: 'mount', allowed: false, reason },
      { mode: 'copy', allowed: true, reason: null },
    ]);
    expect(launchModeRefusal(remote, 'mount')).toBe(reason);
    expect(launchModeRefusal(remote, 'copy')).toBeNull();
    expect(launchModeRefusal({ ...remote, host: 'ssh://me@build-box' }, 'mount')).toMatch(/reached over ssh$/);
    expect(launchModeRefusal({ ...remote, host: 'build-box' }, 'mount')).toMatch(/reached over the network$/);
  });

  it('starts in the mode chosen, or in copy where mount is refused (the panel shows it checked, with why)', () => {
    expect(launchModeUsed(launchModesFor(local), false)).toBe('mount');
    expect(launchModeUsed(launchModesFor(local), true)).toBe('copy');
    expect(launchModeUsed(launchModesFor(remote), false)).toBe('copy');
    expect(launchModeUsed(launchModesFor(remote), true)).toBe('copy');
    // The engine not known yet: the choice goes to the core as it is, and the core's rule decides.
    expect(launchModeUsed(null, false)).toBe('mount');
  });
});

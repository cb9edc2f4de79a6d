import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// The real `electron` package only resolves a binary path under node; these tests need the app's
// event wiring, so app and shell are stand-ins that record what the restrictions do.
const fakes = vi.hoisted(() => ({ app: null as unknown as EventEmitter, openExternal: vi.fn() }));
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  fakes.app = new Emitter();
  return { app: fakes.app, shell: { openExternal: fakes.openExternal } };
});

const { applySecurityRestrictions, isAppUrl } = await import('../../src/main/security-restrictions');

const APP = { rendererFileUrl: 'file:///opt/app/out/renderer/index.html' };

describe('isAppUrl', () => {
  it('accepts the packaged renderer (file://)', () => {
    expect(isAppUrl('file:///opt/app/out/renderer/index.html', APP)).toBe(true);
    expect(isAppUrl('file:///opt/app/out/renderer/index.html#/bottles', APP)).toBe(true);
    // Any other local page (say, HTML in a hostile repository) is not the app.
    expect(isAppUrl('file:///home/me/project/evil.html', APP)).toBe(false);
  });

  it('refuses remote pages when there is no dev server', () => {
    expect(isAppUrl('https://example.com/', APP)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', APP)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', { ...APP, devServerUrl: '' })).toBe(false);
  });

  it('accepts only the dev server origin when one is set', () => {
    const dev = 'http://localhost:5173/';
    expect(isAppUrl('http://localhost:5173/some/route?x=1', { ...APP, devServerUrl: dev })).toBe(true);
    expect(isAppUrl('http://localhost:5174/', { ...APP, devServerUrl: dev })).toBe(false);
    expect(isAppUrl('https://localhost:5173/', { ...APP, devServerUrl: dev })).toBe(false);
    expect(isAppUrl('http://localhost.evil.example:5173/', { ...APP, devServerUrl: dev })).toBe(false);
  });

  it('never throws on garbage', () => {
    expect(isAppUrl('not a url', { ...APP, devServerUrl: 'http://localhost:5173/' })).toBe(false);
    expect(isAppUrl('javascript:alert(1)', APP)).toBe(false);
    expect(isAppUrl('data:text/html,<h1>x</h1>', APP)).toBe(false);
  });
});

class FakeContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  permissionCheck: (() => boolean) | null = null;
  session = {
    setPermissionRequestHandler: (handler: FakeContents['permissionRequest']) => {
      this.permissionRequest = handler;
    },
    setPermissionCheckHandler: (handler: FakeContents['permissionCheck']) => {
      this.permissionCheck = handler;
    },
  };
  setWindowOpenHandler(handler: FakeContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }
}

function navigate(contents: FakeContents, eventName: string, url: string): boolean {
  const event = {
    prevented: false,
    preventDefault(): void {
      this.prevented = true;
    },
  };
  contents.emit(eventName, event, url);
  return event.prevented;
}

describe('applySecurityRestrictions', () => {
  let contents: FakeContents;
  beforeEach(() => {
    fakes.app.removeAllListeners();
    fakes.openExternal.mockReset();
    fakes.openExternal.mockResolvedValue(undefined);
    applySecurityRestrictions(APP);
    contents = new FakeContents();
    fakes.app.emit('web-contents-created', {}, contents);
  });

  it('blocks navigation and redirects away from the app', () => {
    expect(navigate(contents, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'file:///opt/app/out/renderer/index.html')).toBe(false);
  });

  it('blocks <webview> attachment', () => {
    expect(navigate(contents, 'will-attach-webview', 'https://example.com/')).toBe(true);
  });

  it('denies every new window; https links go to the system browser instead', () => {
    expect(contents.windowOpenHandler?.({ url: 'https://docs.docker.com/' })).toEqual({ action: 'deny' });
    expect(fakes.openExternal).toHaveBeenCalledWith('https://docs.docker.com/');
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'http://example.com/' })).toEqual({ action: 'deny' });
    expect(fakes.openExternal).toHaveBeenCalledTimes(1);
  });

  it('denies every permission request and check', () => {
    const granted: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      contents.permissionRequest?.(contents, permission, (value) => granted.push(value));
    }
    expect(granted).toEqual([false, false, false, false]);
    expect(contents.permissionCheck?.()).toBe(false);
  });
});

import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import type { AppLocation } from './security-restrictions';

/** The one app window: sandboxed, isolated, no Node in the page; shown once it has painted. */
export function createMainWindow(location: AppLocation, rendererFile: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Claude Bottle',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  const load =
    location.devServerUrl !== undefined && location.devServerUrl !== ''
      ? window.loadURL(location.devServerUrl)
      : window.loadFile(rendererFile);
  load.catch((error: unknown) =>
    console.error('claude-bottle: the window could not load the app:', error instanceof Error ? error.message : String(error)),
  );
  return window;
}

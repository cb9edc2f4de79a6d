import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { APP_EVENT_CHANNEL, IPC_CHANNEL_NAMES, type AppEvent } from '../shared/ipc-contract';
import type { IpcDispatcher } from '../ipc/dispatch';
import { trackClientResources } from '../ipc/client-resources';
import { isAppUrl, type AppLocation } from './security-restrictions';

/**
 * Binds every contract channel to ipcMain through `handle()`: the sender must be our own window's
 * main frame, and the dispatcher validates arguments before any handler runs. What the page opens
 * (terminals, shells, log streams, stats watches) is closed when it reloads, crashes or goes.
 */
export function bindIpcMain(window: BrowserWindow, dispatcher: IpcDispatcher, app: AppLocation): () => void {
  const resources = trackClientResources(dispatcher);
  const handle = (channel: string) => async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> => {
    const frame = event.senderFrame;
    const trusted = event.sender === window.webContents && frame !== null && frame.parent === null && isAppUrl(frame.url, app);
    if (!trusted) return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' } };
    return resources.dispatch(channel, args);
  };
  for (const channel of IPC_CHANNEL_NAMES) ipcMain.handle(channel, handle(channel));
  // After these, nothing the previous page opened has a reader any more.
  const pageGone = (): void => resources.closeAll();
  const contents = window.webContents;
  contents.on('did-navigate', pageGone);
  contents.on('render-process-gone', pageGone);
  contents.on('destroyed', pageGone);
  return () => {
    for (const channel of IPC_CHANNEL_NAMES) ipcMain.removeHandler(channel);
    contents.removeListener('did-navigate', pageGone);
    contents.removeListener('render-process-gone', pageGone);
    contents.removeListener('destroyed', pageGone);
    resources.closeAll();
  };
}

export function pushAppEvent(window: BrowserWindow, event: AppEvent): void {
  if (!window.isDestroyed()) window.webContents.send(APP_EVENT_CHANNEL, event);
}

import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { APP_EVENT_CHANNEL, IPC_CHANNEL_NAMES, type AppEvent } from '../shared/ipc-contract';
import type { IpcDispatcher } from '../ipc/dispatch';
import { isAppUrl, type AppLocation } from './security-restrictions';

/**
 * Binds every contract channel to ipcMain through `handle()`: the sender must be our own window's
 * main frame, and the dispatcher validates arguments before any handler runs.
 */
export function bindIpcMain(window: BrowserWindow, dispatcher: IpcDispatcher, app: AppLocation): () => void {
  const handle = (channel: string) => async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> => {
    const frame = event.senderFrame;
    const trusted = event.sender === window.webContents && frame !== null && frame.parent === null && isAppUrl(frame.url, app);
    if (!trusted) return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' } };
    return dispatcher(channel, args);
  };
  for (const channel of IPC_CHANNEL_NAMES) ipcMain.handle(channel, handle(channel));
  return () => {
    for (const channel of IPC_CHANNEL_NAMES) ipcMain.removeHandler(channel);
  };
}

export function pushAppEvent(window: BrowserWindow, event: AppEvent): void {
  if (!window.isDestroyed()) window.webContents.send(APP_EVENT_CHANNEL, event);
}

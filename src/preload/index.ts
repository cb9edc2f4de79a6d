import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  APP_EVENT_CHANNEL,
  IPC_CHANNEL_NAMES,
  IpcError,
  type AppEvent,
  type ClaudeBottleApi,
  type IpcChannel,
  type IpcResponse,
} from '../shared/ipc-contract';

/**
 * The one narrow API the renderer gets: typed invoke over the contract's channels, the push-event
 * stream, and the path of a dropped folder. Raw ipcRenderer never leaves this file.
 */
const api: ClaudeBottleApi = {
  mode: 'electron',
  async invoke(channel: IpcChannel, ...args: unknown[]) {
    if (!IPC_CHANNEL_NAMES.includes(channel)) throw new Error(`unknown channel ${String(channel)}`);
    const response = (await ipcRenderer.invoke(channel, ...args)) as IpcResponse<never>;
    if (!response.ok) throw new IpcError(response.error.code, response.error.message);
    return response.data;
  },
  onEvent(listener: (event: AppEvent) => void) {
    const wrapped = (_event: unknown, payload: AppEvent): void => listener(payload);
    ipcRenderer.on(APP_EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(APP_EVENT_CHANNEL, wrapped);
    };
  },
  getPathForFile(file: File) {
    const path = webUtils.getPathForFile(file);
    return path === '' ? null : path;
  },
};

contextBridge.exposeInMainWorld('claudeBottle', api);

// Types for the stand-in, as far as the tests reach into it.
import type { EventEmitter } from 'node:events';

export declare const app: EventEmitter;
export declare const ipcRenderer: EventEmitter & { invoke(channel: string, ...args: unknown[]): Promise<unknown> };
export declare const ipcMain: unknown;
export declare const BrowserWindow: unknown;
export declare const Notification: unknown;
export declare const dialog: unknown;
export declare const shell: unknown;
export declare const safeStorage: unknown;
export declare const contextBridge: unknown;
export declare const webUtils: unknown;
declare const electron: Record<string, unknown>;
export default electron;

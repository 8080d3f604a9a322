// IPC with checks on both ends of every call: the sender must be our main window's top frame
// showing our renderer (tessera://app), and the payload is validated by the contract's zod
// schemas in dispatch(). Anything else is refused and logged, never executed.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Handlers } from '../contract/api.js';
import type { CallReply } from '../contract/wire.js';
import { IPC_CALL } from '../contract/wire.js';
import { dispatch } from '../core/api/dispatch.js';
import type { CallContext } from '../core/api/handlers.js';
import type { SourceLogger } from '../core/logs/logger.js';
import { isAppUrl } from './app-urls.js';

export class ValidatedIpcMain {
  private trusted: WebContents | null = null;

  constructor(private readonly log: SourceLogger) {}

  /** The one WebContents allowed to call (the main window's). */
  trust(contents: WebContents): void {
    this.trusted = contents;
  }

  isTrustedSender(e: IpcMainInvokeEvent): boolean {
    const frame = e.senderFrame;
    if (!frame || !this.trusted || e.sender.id !== this.trusted.id) return false;
    if (frame !== e.sender.mainFrame) return false; // no iframes
    return isAppUrl(frame.url);
  }

  handle(channel: string, handler: (e: IpcMainInvokeEvent, ...args: unknown[]) => Promise<CallReply>): void {
    ipcMain.handle(channel, async (e, ...args): Promise<CallReply> => {
      if (!this.isTrustedSender(e)) {
        this.log.warn(`refused IPC on ${channel} from ${e.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: { code: 'UNAUTHORIZED', message: 'this page may not use the Tessera API' } };
      }
      return handler(e, ...args);
    });
  }

  /** The contract's single call channel. */
  serveApi(handlers: Handlers<CallContext>): void {
    this.handle(IPC_CALL, (_e, method, params) => dispatch(handlers, typeof method === 'string' ? method : '', params,
      { transport: 'ipc' }, (m, err) => this.log.error(`${m} failed: ${(err as Error)?.stack ?? String(err)}`)));
  }
}

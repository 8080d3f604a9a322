// Electron main process: starts the core services and the engine (a utility process), serves
// the renderer over tessera://app, and bridges the API over validated IPC. Heavy work never
// runs here; a crashing engine is restarted by the host and never takes the window down.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, Notification, shell } from 'electron';
import { IPC_EVENT } from '../contract/wire.js';
import { createHandlers } from '../core/api/handlers.js';
import { AppCore } from '../core/app-core.js';
import { defaultMedia } from '../core/export/default-media.js';
import { demoModelDir } from '../engine/demo-model.js';
import { EngineHost } from '../host/engine-host.js';
import { fileUrlFor } from './app-urls.js';
import { buildMenu } from './menu.js';
import { handleSchemes, registerSchemes } from './protocols.js';
import { UtilityLauncher } from './utility-launcher.js';
import { ValidatedIpcMain } from './validated-ipc.js';
import { createMainWindow } from './window.js';

registerSchemes();
app.enableSandbox();

let core: AppCore | null = null;
let host: EngineHost | null = null;
let win: BrowserWindow | null = null;
let ipc: ValidatedIpcMain | null = null;

function openWindow(c: AppCore): BrowserWindow {
  const w = createMainWindow(path.join(__dirname, '../preload/preload.js'), c.settings.get().theme === 'dark');
  ipc?.trust(w.webContents);
  w.on('closed', () => { if (win === w) win = null; });
  w.webContents.on('render-process-gone', (_e, d) => c.log.child('main').error(`the window's renderer is gone: ${d.reason}`));
  win = w;
  return w;
}

function builtinModel(): string | null {
  try {
    return demoModelDir();
  } catch {
    return null;
  }
}

/** A packaged ffmpeg (resources/ffmpeg) is what app/media uses unless the user set their own. */
function useBundledFfmpeg(): void {
  const dir = path.join(process.resourcesPath, 'ffmpeg');
  const exe = process.platform === 'win32' ? '.exe' : '';
  if (!process.env.FFMPEG_PATH && fs.existsSync(path.join(dir, `ffmpeg${exe}`))) process.env.FFMPEG_PATH = path.join(dir, `ffmpeg${exe}`);
  if (!process.env.FFPROBE_PATH && fs.existsSync(path.join(dir, `ffprobe${exe}`))) process.env.FFPROBE_PATH = path.join(dir, `ffprobe${exe}`);
}

async function start(): Promise<void> {
  const appRoot = app.getAppPath();
  if (app.isPackaged) useBundledFfmpeg();
  host = new EngineHost({ launcher: new UtilityLauncher(path.join(__dirname, '../host/child-main.js')) });
  const c = new AppCore({
    dataDir: app.getPath('userData'), mode: 'electron', version: app.getVersion(), engine: host, media: defaultMedia,
    fileUrl: fileUrlFor, builtinModelDir: builtinModel(),
    notifier: { notify: (n) => { if (Notification.isSupported()) new Notification({ title: n.title, body: n.body }).show(); } },
    pickFolder: async (title) => {
      const opts = { title: title ?? 'Choose a folder', properties: ['openDirectory' as const] };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
    },
    openPath: async (file, reveal) => {
      if (reveal) {
        shell.showItemInFolder(file);
        return true;
      }
      return (await shell.openPath(file)) === '';
    },
  });
  core = c;
  const log = c.log.child('main');
  host.setLog(c.log.child('engine'));
  host.setOptions(c.engineOptions());
  host.start();

  process.on('uncaughtException', (e) => log.error(`uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));

  const rendererDir = path.join(appRoot, 'renderer', 'dist');
  handleSchemes(rendererDir, c.guard);
  const handlers = createHandlers(c);
  ipc = new ValidatedIpcMain(c.log.child('ipc'));
  ipc.serveApi(handlers);

  c.events.onAny((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, event, payload);
  });

  await c.start();
  openWindow(c);

  const importFolder = async () => {
    const r = await handlers['files.pickFolder']({ title: 'Import a Wan2.1 model folder' }, { transport: 'ipc' });
    if (!r.path) return;
    try {
      await handlers['models.import']({ dir: r.path }, { transport: 'ipc' });
    } catch (e) {
      dialog.showErrorBox('Import failed', (e as Error).message);
    }
  };
  Menu.setApplicationMenu(buildMenu(c, () => win, importFolder));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.whenReady().then(start).catch((e: unknown) => {
    dialog.showErrorBox('Tessera could not start', (e as Error)?.message ?? String(e));
    app.quit();
  });
  app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && core) openWindow(core);
  });
  let closing = false;
  app.on('before-quit', (e) => {
    if (closing || !core) return;
    closing = true;
    e.preventDefault();
    const c = core;
    void (async () => {
      try {
        await c.close();
        await host?.dispose();
      } finally {
        app.exit(0);
      }
    })();
  });
}

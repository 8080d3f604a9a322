// The application menu. Commands that change state go through the same handlers as the UI.
import { app, dialog, Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { AppCore } from '../core/app-core.js';

export function buildMenu(core: AppCore, win: () => BrowserWindow | null, importFolder: () => Promise<void>): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Import Model Folder…', accelerator: 'CmdOrCtrl+O', click: () => void importFolder() },
        { type: 'separator' },
        { label: 'Open Outputs Folder', click: () => void shell.openPath(core.outputDir()) },
        { label: 'Open Logs Folder', click: () => void shell.openPath(core.log.path ? core.log.path.replace(/[^/\\]+$/, '') : core.dataDir) },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: 'Engine',
      submenu: [
        { label: 'Restart Engine', click: () => void core.opts.engine.restart() },
        { label: 'Pause Queue', click: () => core.queue.pause() },
        { label: 'Resume Queue', click: () => core.queue.resume() },
      ],
    },
    {
      role: 'help',
      submenu: [{
        label: 'About Tessera',
        click: () => {
          const s = core.opts.engine.status;
          const w = win();
          const opts = {
            type: 'info' as const, title: 'About Tessera', message: `Tessera ${core.opts.version}`,
            detail: `Engine: ${s.state}${s.backend ? `, ${s.backend} (${s.deviceName})` : ''}\nData: ${core.dataDir}`,
          };
          void (w ? dialog.showMessageBox(w, opts) : dialog.showMessageBox(opts));
        },
      }],
    },
  ];
  return Menu.buildFromTemplate(template);
}

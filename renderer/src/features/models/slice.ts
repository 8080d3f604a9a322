// Model manager: the installed models, imports of local folders (validated by the engine, so a bad
// folder comes back as a clear error), downloads with progress/resume, and which model is active.
import type { DirListing, Download, FolderRoot, ModelRecord } from '../../../../app/contract/entities';
import type { MethodParams } from '../../api/client';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';

export type DownloadRequest = MethodParams<'models.download'>;

export interface ModelsSlice {
  list: ModelRecord[];
  loaded: boolean;
  /** The model the prompt editor and attention tools use. */
  activeId: string | null;
  downloads: Download[];
  importing: boolean;
  importError: UiError | null;
  error: UiError | null;
  load(): Promise<void>;
  receive(list: ModelRecord[]): void;
  receiveDownload(d: Download): void;
  setActive(id: string): void;
  importFolder(dir: string, name?: string): Promise<ModelRecord | null>;
  remove(id: string, deleteFiles: boolean): Promise<void>;
  download(req: DownloadRequest): Promise<boolean>;
  cancelDownload(id: string): Promise<void>;
  resumeDownload(id: string): Promise<void>;
  /** Folder picking (no stored state: the picker owns its listing). */
  folderRoots(): Promise<FolderRoot[]>;
  listFolder(path: string): Promise<DirListing>;
  /** The OS dialog (Electron); null when cancelled or headless. */
  pickFolder(title: string): Promise<string | null>;
}

function pickActive(list: ModelRecord[], current: string | null, preferred: string | null): string | null {
  if (current && list.some((m) => m.id === current)) return current;
  if (preferred && list.some((m) => m.id === preferred)) return preferred;
  return list[0]?.id ?? null;
}

export const createModelsSlice: SliceCreator<{ models: ModelsSlice }> = (set, get, { api }) => {
  const fail = (e: unknown) => patch(set, 'models', { error: toUiError(e) });
  return {
    models: {
      list: [],
      loaded: false,
      activeId: null,
      downloads: [],
      importing: false,
      importError: null,
      error: null,
      async load() {
        try {
          const [list, downloads] = await Promise.all([api.invoke('models.list'), api.invoke('models.downloads')]);
          get().models.receive(list);
          patch(set, 'models', { downloads, error: null });
        } catch (e) {
          fail(e);
        }
      },
      receive(list) {
        const preferred = get().settings.values?.defaultModelId ?? null;
        // Before the first list arrives, an active id (e.g. from a restored draft) is a wish, kept if it exists.
        patch(set, 'models', (m) => ({ list, loaded: true, activeId: pickActive(list, m.activeId, preferred) }));
      },
      receiveDownload(d) {
        patch(set, 'models', (m) => {
          const i = m.downloads.findIndex((x) => x.id === d.id);
          const downloads = i < 0 ? [d, ...m.downloads] : m.downloads.map((x) => (x.id === d.id ? d : x));
          return { downloads };
        });
      },
      setActive(id) {
        patch(set, 'models', { activeId: id });
      },
      async importFolder(dir, name) {
        patch(set, 'models', { importing: true, importError: null });
        try {
          const rec = await api.invoke('models.import', name ? { dir, name } : { dir });
          patch(set, 'models', (m) => ({
            importing: false,
            list: m.list.some((x) => x.id === rec.id) ? m.list.map((x) => (x.id === rec.id ? rec : x)) : [...m.list, rec],
          }));
          return rec;
        } catch (e) {
          patch(set, 'models', { importing: false, importError: toUiError(e) });
          return null;
        }
      },
      async remove(id, deleteFiles) {
        try {
          await api.invoke('models.remove', { id, deleteFiles });
          patch(set, 'models', (m) => {
            const list = m.list.filter((x) => x.id !== id);
            return { list, activeId: pickActive(list, m.activeId === id ? null : m.activeId, null) };
          });
        } catch (e) {
          fail(e);
        }
      },
      async download(req) {
        try {
          get().models.receiveDownload(await api.invoke('models.download', req));
          patch(set, 'models', { error: null });
          return true;
        } catch (e) {
          fail(e);
          return false;
        }
      },
      async cancelDownload(id) {
        try {
          get().models.receiveDownload(await api.invoke('models.cancelDownload', { id }));
        } catch (e) {
          fail(e);
        }
      },
      folderRoots() {
        return api.invoke('files.roots');
      },
      listFolder(path) {
        return api.invoke('files.list', { path });
      },
      async pickFolder(title) {
        return (await api.invoke('files.pickFolder', { title })).path;
      },
      async resumeDownload(id) {
        try {
          get().models.receiveDownload(await api.invoke('models.resumeDownload', { id }));
        } catch (e) {
          fail(e);
        }
      },
    },
  };
};

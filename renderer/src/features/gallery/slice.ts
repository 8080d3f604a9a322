// Gallery/history: every output with its settings; search, play, reuse settings (exactly, from
// the database), delete.
import type { GalleryItem } from '../../../../app/contract/entities';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';

export const GALLERY_PAGE = 60;

export interface GallerySlice {
  items: GalleryItem[];
  total: number;
  search: string;
  selectedId: string | null;
  loading: boolean;
  loaded: boolean;
  error: UiError | null;
  load(more?: boolean): Promise<void>;
  setSearch(search: string): void;
  select(id: string | null): void;
  receiveAdded(item: GalleryItem): void;
  receiveRemoved(id: string): void;
  remove(id: string, deleteFile: boolean): Promise<void>;
  reuse(id: string): Promise<boolean>;
  /** Settings embedded in an exported file's metadata (files shared by someone else, too). */
  reuseFromFile(path: string): Promise<boolean>;
  /** Electron opens the file in the OS; headless gives its URL to open in a tab. */
  open(id: string): Promise<{ url: string; opened: boolean } | null>;
}

export const createGallerySlice: SliceCreator<{ gallery: GallerySlice }> = (set, get, { api }) => {
  let seq = 0;
  return {
    gallery: {
      items: [],
      total: 0,
      search: '',
      selectedId: null,
      loading: false,
      loaded: false,
      error: null,
      async load(more = false) {
        const g = get().gallery;
        const id = ++seq;
        patch(set, 'gallery', { loading: true });
        try {
          const page = await api.invoke('gallery.list', {
            limit: GALLERY_PAGE,
            offset: more ? g.items.length : 0,
            ...(g.search ? { search: g.search } : {}),
          });
          if (id !== seq) return;
          patch(set, 'gallery', (cur) => ({
            items: more ? [...cur.items, ...page.items.filter((x) => !cur.items.some((y) => y.id === x.id))] : page.items,
            total: page.total,
            loading: false,
            loaded: true,
            error: null,
          }));
        } catch (e) {
          if (id === seq) patch(set, 'gallery', { loading: false, error: toUiError(e) });
        }
      },
      setSearch(search) {
        patch(set, 'gallery', { search });
      },
      select(selectedId) {
        patch(set, 'gallery', { selectedId });
      },
      receiveAdded(item) {
        const g = get().gallery;
        if (g.search && !item.params.prompt.toLowerCase().includes(g.search.toLowerCase())) return;
        if (g.items.some((x) => x.id === item.id)) return;
        patch(set, 'gallery', (cur) => ({ items: [item, ...cur.items], total: cur.total + 1 }));
      },
      receiveRemoved(id) {
        patch(set, 'gallery', (cur) => ({
          items: cur.items.filter((x) => x.id !== id),
          total: cur.items.some((x) => x.id === id) ? cur.total - 1 : cur.total,
          selectedId: cur.selectedId === id ? null : cur.selectedId,
        }));
      },
      async remove(id, deleteFile) {
        try {
          const { removed } = await api.invoke('gallery.delete', { id, deleteFile });
          if (removed) get().gallery.receiveRemoved(id);
        } catch (e) {
          patch(set, 'gallery', { error: toUiError(e) });
        }
      },
      async reuseFromFile(path) {
        try {
          get().prompt.applyReusable(await api.invoke('gallery.reuseFromFile', { path }));
          patch(set, 'gallery', { error: null });
          return true;
        } catch (e) {
          patch(set, 'gallery', { error: toUiError(e) });
          return false;
        }
      },
      async open(id) {
        try {
          return await api.invoke('gallery.open', { id });
        } catch (e) {
          patch(set, 'gallery', { error: toUiError(e) });
          return null;
        }
      },
      async reuse(id) {
        try {
          get().prompt.applyReusable(await api.invoke('gallery.reuse', { id }));
          return true;
        } catch (e) {
          patch(set, 'gallery', { error: toUiError(e) });
          return false;
        }
      },
    },
  };
};

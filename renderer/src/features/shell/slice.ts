// App shell: which surface is shown and short-lived notices (job finished, errors).
import type { AppNotification } from '../../../../app/contract/entities';
import { patch, type SliceCreator } from '../../store/types';

export const SURFACES = ['create', 'attention', 'maps', 'queue', 'gallery', 'models', 'settings'] as const;
export type Surface = (typeof SURFACES)[number];

export const SURFACE_LABELS: Record<Surface, string> = {
  create: 'Create',
  attention: 'Attention windows',
  maps: 'Attention maps',
  queue: 'Queue',
  gallery: 'Gallery',
  models: 'Models',
  settings: 'Settings',
};

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  title: string;
  body: string;
}

export interface ShellSlice {
  surface: Surface;
  notices: Notice[];
  go(surface: Surface): void;
  notify(n: Omit<Notice, 'id'>): void;
  receiveNotification(n: AppNotification): void;
  dismiss(id: number): void;
}

export const MAX_NOTICES = 4;

export const createShellSlice: SliceCreator<{ shell: ShellSlice }> = (set, get) => {
  let nextId = 1;
  return {
    shell: {
      surface: 'create',
      notices: [],
      go(surface) {
        patch(set, 'shell', { surface });
      },
      notify(n) {
        const notice = { ...n, id: nextId++ };
        patch(set, 'shell', (s) => ({ notices: [...s.notices, notice].slice(-MAX_NOTICES) }));
      },
      receiveNotification(n) {
        get().shell.notify({ kind: 'info', title: n.title, body: n.body });
      },
      dismiss(id) {
        patch(set, 'shell', (s) => ({ notices: s.notices.filter((x) => x.id !== id) }));
      },
    },
  };
};

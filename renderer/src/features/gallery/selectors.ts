import type { AppState } from '../../store/store';

export const selectGalleryItems = (s: AppState) => s.gallery.items;
export const selectSelectedItem = (s: AppState) => s.gallery.items.find((x) => x.id === s.gallery.selectedId) ?? null;

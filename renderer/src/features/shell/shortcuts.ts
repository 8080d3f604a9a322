// Global keyboard shortcuts as a pure mapping from a key event to an action, so they can be
// tested without a DOM and listed in the UI.
import { SURFACES, type Surface } from './slice';

export type ShortcutAction = { kind: 'generate' } | { kind: 'go'; surface: Surface } | { kind: 'pauseQueue' };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export function shortcutFor(e: KeyLike): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && e.key === 'Enter') return { kind: 'generate' };
  // Alt+1..7 switch surfaces (Ctrl+digit is taken by browsers for tabs).
  if (e.altKey && !mod && /^[1-9]$/.test(e.key)) {
    const surface = SURFACES[Number(e.key) - 1];
    return surface ? { kind: 'go', surface } : null;
  }
  if (mod && e.shiftKey && (e.key === 'P' || e.key === 'p')) return { kind: 'pauseQueue' };
  return null;
}

export const SHORTCUT_HELP: Array<[string, string]> = [
  ['Ctrl+Enter', 'Generate with the current settings'],
  ['Alt+1 … Alt+7', 'Switch between surfaces'],
  ['Ctrl+Shift+P', 'Pause or resume the queue'],
  ['Alt+↑ / Alt+↓', 'Move the focused queued job'],
];

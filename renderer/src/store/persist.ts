// The work in progress survives a reload or a restart: the prompt draft, seed lock, export
// settings and attention config, in localStorage, versioned with migrations (an unknown or broken
// record is dropped, never half-applied).
import type { AttnConfig } from '../../../app/engine/types';
import type { ExportSettings } from '../../../app/contract/params';
import type { WindowPresetKind } from '../../../app/contract/entities';
import type { Draft } from '../features/prompt/slice';
import type { AppState, AppStore } from './store';

export const DRAFT_KEY = 'tessera.draft';
export const DRAFT_VERSION = 2;

export interface PersistedDraft {
  version: typeof DRAFT_VERSION;
  modelId: string | null;
  draft: Draft;
  seedLocked: boolean;
  exportSettings: ExportSettings;
  attention: { config: AttnConfig; mode: WindowPresetKind };
}

type Raw = Record<string, unknown> & { version?: unknown };

// v1 kept the attention rules flat next to the draft; v2 groups them with the mode.
const MIGRATIONS: Record<number, (r: Raw) => Raw> = {
  1: (r) => {
    const { attentionRules, attentionTile, ...rest } = r as Raw & { attentionRules?: unknown; attentionTile?: unknown };
    const rules = Array.isArray(attentionRules) ? attentionRules : [];
    return { ...rest, version: 2, attention: { config: { tile: attentionTile ?? [6, 8, 8], rules }, mode: rules.length ? 'custom' : 'dense' } };
  },
};

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valid(r: Raw): r is Raw & PersistedDraft {
  const d = r.draft as Raw | undefined;
  const a = r.attention as Raw | undefined;
  return (
    r.version === DRAFT_VERSION &&
    isObject(d) && typeof d.prompt === 'string' && typeof d.width === 'number' && typeof d.height === 'number' &&
    typeof d.frames === 'number' && typeof d.steps === 'number' && typeof d.seed === 'number' && typeof d.sampler === 'string' &&
    typeof r.seedLocked === 'boolean' && isObject(r.exportSettings) &&
    isObject(a) && isObject(a.config) && Array.isArray((a.config as Raw).rules)
  );
}

/** Parses and migrates a stored record; null when absent, unreadable or from a newer version. */
export function migrateDraft(text: string | null): PersistedDraft | null {
  if (!text) return null;
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(r) || typeof r.version !== 'number') return null;
  let cur: Raw = r;
  while (typeof cur.version === 'number' && cur.version < DRAFT_VERSION) {
    const step = MIGRATIONS[cur.version];
    if (!step) return null;
    cur = step(cur);
  }
  return valid(cur) ? cur : null;
}

export function snapshotDraft(s: AppState): PersistedDraft {
  return {
    version: DRAFT_VERSION,
    modelId: s.models.activeId,
    draft: s.prompt.draft,
    seedLocked: s.prompt.seedLocked,
    exportSettings: s.prompt.exportSettings,
    attention: { config: s.attention.config, mode: s.attention.mode },
  };
}

/** Restores the stored draft and keeps saving it (debounced); returns the unsubscribe. */
export function persistDraft(store: AppStore, storage: Pick<Storage, 'getItem' | 'setItem'> | null, delayMs = 300): () => void {
  if (!storage) return () => {};
  let saved: PersistedDraft | null = null;
  try {
    saved = migrateDraft(storage.getItem(DRAFT_KEY));
  } catch {
    saved = null;
  }
  if (saved) store.getState().prompt.restore(saved);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = '';
  const unsub = store.subscribe((s) => {
    const text = JSON.stringify(snapshotDraft(s));
    if (text === last) return;
    last = text;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        storage.setItem(DRAFT_KEY, text);
      } catch {
        /* storage full or disabled: the draft is simply not kept */
      }
    }, delayMs);
  });
  return () => {
    unsub();
    if (timer) clearTimeout(timer);
  };
}

// Prompt editor state: the draft generation (everything but the attention config, which the
// attention slice owns), seed lock, export settings, prompt history, presets, the engine's memory
// estimate of the draft, and submitting it to the queue.
import type { GenerationPreset, Job, MemoryEstimate, ReusableSettings } from '../../../../app/contract/entities';
import type { ExportSettings } from '../../../../app/contract/params';
import type { GenerateParams } from '../../../../app/engine/types';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';
import { buildParams } from './params';
import type { PersistedDraft } from '../../store/persist';

export type Draft = Omit<GenerateParams, 'attention' | 'preview' | 'previewMaxSide'>;

export interface HistoryEntry {
  prompt: string;
  negativePrompt: string;
  lastUsed: number;
}

export type EstimateState =
  | { status: 'idle' }
  | { status: 'pending'; key: string }
  | { status: 'ok'; key: string; value: MemoryEstimate }
  | { status: 'error'; key: string; error: UiError };

export const FALLBACK_DRAFT: Draft = {
  prompt: '',
  negativePrompt: '',
  width: 832,
  height: 480,
  frames: 81,
  steps: 50,
  guidance: 5,
  shift: 5,
  seed: 0,
  sampler: 'unipc',
  timesteps: [1000, 757, 522],
};

export interface PromptSlice {
  draft: Draft;
  /** The model's defaults the draft started from (for "reset" and presets). */
  modelDefaults: Draft | null;
  seedLocked: boolean;
  exportSettings: ExportSettings;
  history: HistoryEntry[];
  presets: GenerationPreset[];
  estimate: EstimateState;
  submitting: boolean;
  submitError: UiError | null;
  lastJobId: string | null;
  error: UiError | null;
  /** The model a restored draft was made for: its sizes win over that model's defaults once. */
  restoredFor: string | null;
  set<K extends keyof Draft>(key: K, value: Draft[K]): void;
  setSize(width: number, height: number): void;
  setSeedLocked(locked: boolean): void;
  randomizeSeed(): void;
  setExport(e: Partial<ExportSettings>): void;
  loadDefaults(modelId: string): Promise<void>;
  resetToDefaults(): void;
  loadHistory(): Promise<void>;
  loadPresets(): Promise<void>;
  savePreset(name: string): Promise<void>;
  applyPreset(id: string): void;
  deletePreset(id: string): Promise<void>;
  applyReusable(r: ReusableSettings): void;
  restore(p: PersistedDraft): void;
  estimateNow(): Promise<void>;
  submit(): Promise<Job | null>;
}

/** Fields a generation preset stores: the sampling recipe, not the prompt or the seed. */
const PRESET_KEYS = ['width', 'height', 'frames', 'steps', 'guidance', 'shift', 'sampler', 'timesteps', 'negativePrompt'] as const;

export const createPromptSlice: SliceCreator<{ prompt: PromptSlice }> = (set, get, { api, randomSeed }) => {
  let estimateSeq = 0;
  return {
    prompt: {
      draft: FALLBACK_DRAFT,
      modelDefaults: null,
      seedLocked: false,
      exportSettings: { format: 'mp4' },
      history: [],
      presets: [],
      estimate: { status: 'idle' },
      submitting: false,
      submitError: null,
      lastJobId: null,
      error: null,
      restoredFor: null,
      set(key, value) {
        patch(set, 'prompt', (p) => ({ draft: { ...p.draft, [key]: value } }));
      },
      setSize(width, height) {
        patch(set, 'prompt', (p) => ({ draft: { ...p.draft, width, height } }));
      },
      setSeedLocked(seedLocked) {
        patch(set, 'prompt', { seedLocked });
      },
      randomizeSeed() {
        patch(set, 'prompt', (p) => ({ draft: { ...p.draft, seed: randomSeed() } }));
      },
      setExport(e) {
        patch(set, 'prompt', (p) => ({ exportSettings: { ...p.exportSettings, ...e } }));
      },
      async loadDefaults(modelId) {
        try {
          const { params } = await api.invoke('generate.defaults', { modelId });
          const { attention, preview: _p, previewMaxSide: _m, ...rest } = params;
          const defaults: Draft = { ...FALLBACK_DRAFT, ...rest };
          if (get().prompt.restoredFor === modelId) {
            // A draft restored for this model keeps its own sizes and recipe.
            patch(set, 'prompt', { modelDefaults: defaults, restoredFor: null, error: null });
            return;
          }
          // Keep what the user wrote; take the model's sizes and sampling recipe.
          patch(set, 'prompt', (p) => ({
            modelDefaults: defaults,
            draft: { ...defaults, prompt: p.draft.prompt || defaults.prompt, negativePrompt: p.draft.negativePrompt || defaults.negativePrompt, seed: p.draft.seed },
            error: null,
          }));
          if (attention) get().attention.adoptModelDefault(attention);
        } catch (e) {
          patch(set, 'prompt', { error: toUiError(e) });
        }
      },
      resetToDefaults() {
        const d = get().prompt.modelDefaults;
        if (d) patch(set, 'prompt', (p) => ({ draft: { ...d, prompt: p.draft.prompt, seed: p.draft.seed } }));
      },
      async loadHistory() {
        try {
          patch(set, 'prompt', { history: await api.invoke('generate.history', { limit: 50 }) });
        } catch (e) {
          patch(set, 'prompt', { error: toUiError(e) });
        }
      },
      async loadPresets() {
        try {
          patch(set, 'prompt', { presets: await api.invoke('generate.presets.list') });
        } catch (e) {
          patch(set, 'prompt', { error: toUiError(e) });
        }
      },
      async savePreset(name) {
        const d = get().prompt.draft;
        const params: Partial<GenerateParams> = {};
        for (const k of PRESET_KEYS) if (d[k] !== undefined) (params as Record<string, unknown>)[k] = d[k];
        try {
          const saved = await api.invoke('generate.presets.save', { name, params });
          patch(set, 'prompt', (p) => ({ presets: [...p.presets.filter((x) => x.id !== saved.id), saved], error: null }));
        } catch (e) {
          patch(set, 'prompt', { error: toUiError(e) });
        }
      },
      applyPreset(id) {
        const preset = get().prompt.presets.find((x) => x.id === id);
        if (!preset) return;
        const { attention, preview: _p, previewMaxSide: _m, prompt: _q, seed: _s, ...rest } = preset.params;
        patch(set, 'prompt', (p) => ({ draft: { ...p.draft, ...rest } }));
        if (attention) get().attention.setConfig(attention, 'custom');
      },
      async deletePreset(id) {
        try {
          await api.invoke('generate.presets.delete', { id });
          patch(set, 'prompt', (p) => ({ presets: p.presets.filter((x) => x.id !== id) }));
        } catch (e) {
          patch(set, 'prompt', { error: toUiError(e) });
        }
      },
      applyReusable(r) {
        const { attention, preview: _p, previewMaxSide: _m, ...rest } = r.params;
        if (r.modelId && get().models.list.some((m) => m.id === r.modelId)) get().models.setActive(r.modelId);
        // Exact reproduction: the seed stays as recorded.
        patch(set, 'prompt', { draft: { ...FALLBACK_DRAFT, ...rest }, exportSettings: { ...r.export }, seedLocked: true });
        get().attention.setConfig(attention ?? { rules: [] }, attention && attention.rules.length > 0 ? 'custom' : 'dense');
      },
      restore(p) {
        patch(set, 'prompt', {
          draft: { ...FALLBACK_DRAFT, ...p.draft },
          seedLocked: p.seedLocked,
          exportSettings: { ...p.exportSettings },
          restoredFor: p.modelId,
        });
        if (p.modelId) get().models.setActive(p.modelId);
        get().attention.setConfig(p.attention.config, p.attention.mode);
      },
      async estimateNow() {
        const s = get();
        const modelId = s.models.activeId;
        if (!modelId) return;
        const params = buildParams(s);
        const key = JSON.stringify([modelId, params]);
        const cur = s.prompt.estimate;
        if (cur.status !== 'idle' && cur.key === key && cur.status !== 'error') return;
        const seq = ++estimateSeq;
        patch(set, 'prompt', { estimate: { status: 'pending', key } });
        try {
          const value = await api.invoke('generate.estimate', { modelId, params });
          if (seq === estimateSeq) patch(set, 'prompt', { estimate: { status: 'ok', key, value } });
        } catch (e) {
          if (seq === estimateSeq) patch(set, 'prompt', { estimate: { status: 'error', key, error: toUiError(e) } });
        }
      },
      async submit() {
        const s = get();
        if (!s.prompt.seedLocked) s.prompt.randomizeSeed();
        const state = get();
        const params = buildParams(state);
        patch(set, 'prompt', { submitting: true, submitError: null });
        try {
          const job = await api.invoke('generate.submit', {
            modelId: state.models.activeId ?? undefined,
            params,
            export: state.prompt.exportSettings,
          });
          get().queue.receive(job);
          get().preview.follow(job.id);
          patch(set, 'prompt', (p) => ({
            submitting: false,
            lastJobId: job.id,
            history: [
              { prompt: params.prompt, negativePrompt: params.negativePrompt ?? '', lastUsed: job.createdAt },
              ...p.history.filter((h) => h.prompt !== params.prompt || h.negativePrompt !== (params.negativePrompt ?? '')),
            ].slice(0, 50),
          }));
          return job;
        } catch (e) {
          patch(set, 'prompt', { submitting: false, submitError: toUiError(e) });
          return null;
        }
      },
    },
  };
};

// Attention-window tuning: the config the next generation uses (tile + ordered rules), window
// presets (dense / calibrated / custom, stored by the app), calibration runs and A/B comparisons
// of two configs on the same seed.
import type { CalibrationResult, Job, WindowPreset, WindowPresetKind } from '../../../../app/contract/entities';
import type { AttnConfig, AttnRule } from '../../../../app/engine/types';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';
import { buildParams } from '../prompt/params';
import type { Vec3 } from './geometry';

export const DEFAULT_CANDIDATES: Vec3[] = [
  [3, 1, 10], [1, 5, 7], [3, 3, 3], [1, 6, 5], [1, 3, 10], [3, 6, 1],
];

export type CalibrationState =
  | { status: 'idle' }
  | { status: 'running'; startedAt: number }
  | { status: 'done'; result: CalibrationResult }
  | { status: 'error'; error: UiError };

export interface AbSide {
  name: string;
  config: AttnConfig;
  jobId: string | null;
}

export interface AbState {
  a: AbSide;
  b: AbSide;
  seed: number | null;
  error: UiError | null;
}

export interface AttentionSlice {
  config: AttnConfig;
  mode: WindowPresetKind;
  /** Preset the config came from, if unchanged since. */
  presetId: string | null;
  presets: WindowPreset[];
  calibration: CalibrationState;
  ab: AbState;
  error: UiError | null;
  setConfig(config: AttnConfig, mode: WindowPresetKind, presetId?: string | null): void;
  adoptModelDefault(config: AttnConfig): void;
  setTile(tile: Vec3): void;
  addRule(rule: AttnRule): void;
  updateRule(index: number, rule: AttnRule): void;
  removeRule(index: number): void;
  moveRule(index: number, delta: number): void;
  clearRules(): void;
  loadPresets(): Promise<void>;
  receivePresets(list: WindowPreset[]): void;
  applyPreset(id: string): void;
  savePreset(name: string, note?: string): Promise<WindowPreset | null>;
  deletePreset(id: string): Promise<void>;
  calibrate(req: { candidates: Vec3[]; denseSteps: number; maxError?: number }): Promise<void>;
  useCalibration(): void;
  setAbSide(side: 'a' | 'b', config: AttnConfig, name: string): void;
  runAb(): Promise<void>;
}

const DENSE: AttnConfig = { tile: [6, 8, 8], rules: [] };

export const createAttentionSlice: SliceCreator<{ attention: AttentionSlice }> = (set, get, { api, now }) => {
  const editConfig = (f: (c: AttnConfig) => AttnConfig) =>
    patch(set, 'attention', (a) => ({ config: f(a.config), mode: 'custom' as const, presetId: null }));
  const fail = (e: unknown) => patch(set, 'attention', { error: toUiError(e) });
  return {
    attention: {
      config: DENSE,
      mode: 'dense',
      presetId: null,
      presets: [],
      calibration: { status: 'idle' },
      ab: {
        a: { name: 'A: dense', config: DENSE, jobId: null },
        b: { name: 'B: current', config: DENSE, jobId: null },
        seed: null,
        error: null,
      },
      error: null,
      setConfig(config, mode, presetId = null) {
        patch(set, 'attention', { config: { tile: config.tile ?? DENSE.tile, rules: config.rules.map((r) => ({ ...r })) }, mode, presetId });
      },
      adoptModelDefault(config) {
        // Only when the user has not set anything yet.
        const a = get().attention;
        if (a.mode === 'dense' && a.config.rules.length === 0 && config.rules.length > 0) a.setConfig(config, 'custom');
        else if (a.config.rules.length === 0 && config.tile) patch(set, 'attention', { config: { ...a.config, tile: config.tile } });
      },
      setTile(tile) {
        editConfig((c) => ({ ...c, tile }));
      },
      addRule(rule) {
        editConfig((c) => ({ ...c, rules: [...c.rules, rule] }));
      },
      updateRule(index, rule) {
        editConfig((c) => ({ ...c, rules: c.rules.map((r, i) => (i === index ? rule : r)) }));
      },
      removeRule(index) {
        editConfig((c) => ({ ...c, rules: c.rules.filter((_, i) => i !== index) }));
      },
      moveRule(index, delta) {
        editConfig((c) => {
          const to = index + delta;
          if (to < 0 || to >= c.rules.length) return c;
          const rules = [...c.rules];
          const [r] = rules.splice(index, 1);
          rules.splice(to, 0, r);
          return { ...c, rules };
        });
      },
      clearRules() {
        patch(set, 'attention', (a) => ({ config: { ...a.config, rules: [] }, mode: 'dense' as const, presetId: null }));
      },
      async loadPresets() {
        try {
          patch(set, 'attention', { presets: await api.invoke('attention.presets.list'), error: null });
        } catch (e) {
          fail(e);
        }
      },
      receivePresets(presets) {
        patch(set, 'attention', { presets });
      },
      applyPreset(id) {
        const p = get().attention.presets.find((x) => x.id === id);
        if (p) get().attention.setConfig(p.config, p.kind, p.id);
      },
      async savePreset(name, note) {
        const a = get().attention;
        try {
          const saved = await api.invoke('attention.presets.save', {
            name,
            kind: a.mode,
            config: a.config,
            modelId: a.mode === 'calibrated' ? get().models.activeId : null,
            note: note ?? '',
          });
          patch(set, 'attention', (s) => ({ presets: [...s.presets.filter((x) => x.id !== saved.id), saved], presetId: saved.id, error: null }));
          return saved;
        } catch (e) {
          fail(e);
          return null;
        }
      },
      async deletePreset(id) {
        try {
          await api.invoke('attention.presets.delete', { id });
          patch(set, 'attention', (s) => ({ presets: s.presets.filter((x) => x.id !== id), presetId: s.presetId === id ? null : s.presetId }));
        } catch (e) {
          fail(e);
        }
      },
      async calibrate(req) {
        const s = get();
        patch(set, 'attention', { calibration: { status: 'running', startedAt: now() } });
        try {
          // Calibration measures against dense attention, on the tile grid the windows are counted in.
          const params = { ...buildParams(s), attention: { tile: s.attention.config.tile ?? DENSE.tile, rules: [] }, preview: false };
          const result = await api.invoke('attention.calibrate', {
            modelId: s.models.activeId ?? undefined,
            params,
            request: { candidates: req.candidates, denseSteps: req.denseSteps, ...(req.maxError ? { maxError: req.maxError } : {}) },
          });
          patch(set, 'attention', { calibration: { status: 'done', result } });
        } catch (e) {
          patch(set, 'attention', { calibration: { status: 'error', error: toUiError(e) } });
        }
      },
      useCalibration() {
        const c = get().attention.calibration;
        if (c.status === 'done') get().attention.setConfig(c.result.config, 'calibrated');
      },
      setAbSide(side, config, name) {
        patch(set, 'attention', (a) => ({ ab: { ...a.ab, [side]: { name, config, jobId: null } } }));
      },
      async runAb() {
        const s = get();
        const base = buildParams(s);
        const seed = base.seed;
        const ab = s.attention.ab;
        try {
          const submit = (side: AbSide): Promise<Job> =>
            api.invoke('generate.submit', {
              modelId: s.models.activeId ?? undefined,
              params: { ...base, seed, attention: side.config.rules.length > 0 ? side.config : undefined },
              export: s.prompt.exportSettings,
              label: `A/B ${side.name}`,
            });
          const ja = await submit(ab.a);
          const jb = await submit(ab.b);
          get().queue.receive(ja);
          get().queue.receive(jb);
          patch(set, 'attention', (a) => ({
            ab: { a: { ...a.ab.a, jobId: ja.id }, b: { ...a.ab.b, jobId: jb.id }, seed, error: null },
          }));
        } catch (e) {
          patch(set, 'attention', (a) => ({ ab: { ...a.ab, error: toUiError(e) } }));
        }
      },
    },
  };
};

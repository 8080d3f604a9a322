// The GenerateParams a submission sends: the prompt draft, the attention slice's config (left out
// when dense everywhere), and the preview settings.
import type { GenerateParams } from '../../../../app/engine/types';
import type { AppState } from '../../store/store';

export function buildParams(s: Pick<AppState, 'prompt' | 'attention' | 'settings'>): GenerateParams {
  const d = s.prompt.draft;
  const params: GenerateParams = {
    prompt: d.prompt,
    width: d.width,
    height: d.height,
    frames: d.frames,
    steps: d.sampler === 'fewstep' && d.timesteps && d.timesteps.length > 0 ? d.timesteps.length : d.steps,
    guidance: d.guidance,
    shift: d.shift,
    seed: d.seed,
    sampler: d.sampler,
  };
  if (d.negativePrompt) params.negativePrompt = d.negativePrompt;
  if (d.sampler === 'fewstep' && d.timesteps) params.timesteps = [...d.timesteps];
  const cfg = s.attention.config;
  // Dense with the default tile needs no config; a tile size alone still matters (maps, presets).
  const tile = cfg.tile ?? [6, 8, 8];
  if (cfg.rules.length > 0 || tile.join() !== '6,8,8') params.attention = { tile: [...tile], rules: cfg.rules.map((r) => ({ ...r })) };
  const preview = s.settings.values?.preview;
  params.preview = preview?.enabled ?? true;
  if (preview?.maxSide) params.previewMaxSide = preview.maxSide;
  return params;
}

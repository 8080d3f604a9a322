// The settings embedded in every output file: enough to reproduce it exactly ("reuse settings").
// The negative prompt is stored as used (the model's default when none was given).
import type { GenerateParams, ModelInfo } from '../engine/types.js';

export const SETTINGS_VERSION = 1;

export interface EmbeddedSettings {
  version: number;
  generator: string;
  model: { name?: string; dir: string; layout: string };
  backend: string;
  params: GenerateParams;
}

export function embeddedSettings(params: GenerateParams, info: ModelInfo, backend: string, generator: string): EmbeddedSettings {
  const negativePrompt = params.negativePrompt !== undefined && params.negativePrompt.trim() !== ''
    ? params.negativePrompt : (info.defaults.negativePrompt ?? '');
  const { preview: _preview, previewMaxSide: _side, ...rest } = params;
  return {
    version: SETTINGS_VERSION,
    generator,
    model: { ...(info.name !== undefined ? { name: info.name } : {}), dir: info.dir, layout: info.layout },
    backend,
    params: { ...rest, negativePrompt },
  };
}

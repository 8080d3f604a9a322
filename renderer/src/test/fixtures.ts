// Realistic entity values for tests, shaped like what the app returns.
import type { GalleryItem, Job, ModelRecord, EngineStatus } from '../../../app/contract/entities';
import type { GenerateParams, ModelInfo } from '../../../app/engine/types';

export const demoInfo: ModelInfo = {
  dir: '/data/models/demo',
  layout: 'official',
  dit: { dim: 64, ffnDim: 128, heads: 4, headDim: 16, layers: 2, textLen: 32, params: 200_000, patch: [1, 2, 2] },
  t5: { dim: 64, layers: 2, heads: 4, vocab: 512, params: 100_000 },
  vae: { zDim: 16, baseDim: 8, stride: [4, 8, 8], params: 300_000 },
  weightDtype: 'f32',
  defaults: { steps: 8, width: 128, height: 128, frames: 17, guidance: 5, shift: 3, sampler: 'unipc', timesteps: [] },
};

export const demoModel: ModelRecord = {
  id: 'demo',
  name: 'Tessera demo',
  dir: '/data/models/demo',
  source: 'builtin',
  info: demoInfo,
  sizeBytes: 3_500_000,
  vramBytes: 40_000_000,
  supports: { samplers: ['unipc', 'euler', 'fewstep'], attention: ['dense', 'sta', 'tile'] },
  addedAt: 1,
};

export const baseParams: GenerateParams = {
  prompt: 'a red ball bouncing', width: 128, height: 128, frames: 17, steps: 8, guidance: 5, shift: 3, seed: 7, sampler: 'unipc',
};

export function job(over: Partial<Job> = {}): Job {
  return {
    id: 'j1', kind: 'generate', state: 'queued', position: 0, label: 'a red ball bouncing', modelId: 'demo',
    params: baseParams, export: { format: 'mp4' }, request: null, batchId: null, attempts: 0, createdAt: 1000,
    startedAt: null, finishedAt: null, error: null, progress: null, outputId: null, ...over,
  };
}

export function galleryItem(over: Partial<GalleryItem> = {}): GalleryItem {
  return {
    id: 'g1', jobId: 'j1', modelId: 'demo', modelName: 'Tessera demo', path: '/data/outputs/a.mp4', url: '/files/outputs/a.mp4',
    format: 'mp4', width: 128, height: 128, frames: 17, fps: 16, sizeBytes: 50_000, createdAt: 2000, params: baseParams,
    export: { format: 'mp4' }, timings: { textSeconds: 0.1, denoiseSeconds: 2, decodeSeconds: 0.5 }, deviceBytesPeak: 1e7, ...over,
  };
}

export const aliveStatus: EngineStatus = {
  state: 'alive', backend: 'cpu', deviceName: 'CPU (2 threads)', fallbackReason: '', computeCapability: 0,
  totalMemory: 8e9, freeMemory: 6e9, cudaCompiled: false, restarts: 0, lastError: null, nextRestartAt: null,
};

// Test-only engine with the Engine interface of app/engine/types.ts: produces real frames
// (a moving gradient), real progress with previews and honours AbortSignal between steps
// and decode chunks. Prompts steer failures: 'crash' exits the process mid-run, 'sigkill'
// kills it like the OOM killer, 'hang' ignores cancellation, 'oom' fails with OUT_OF_MEMORY.
import type {
  AttnMap, Calibration, Engine, EngineInfo, EngineModel, GenerateParams, MemoryEstimate, ModelInfo, RunOptions, Video,
} from '../../engine/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function err(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export const fakeModelInfo = (dir: string): ModelInfo => ({
  dir,
  layout: 'official',
  dit: { dim: 64, ffnDim: 128, heads: 4, headDim: 16, layers: 2, textLen: 32, params: 123456, patch: [1, 2, 2] },
  t5: { dim: 64, layers: 2, heads: 4, vocab: 512, params: 65536 },
  vae: { zDim: 16, baseDim: 8, stride: [4, 8, 8], params: 4096 },
  weightDtype: 'f32',
  defaults: { steps: 4, width: 64, height: 48, frames: 5, guidance: 5, shift: 3, sampler: 'unipc', timesteps: [] },
});

function frames(p: GenerateParams, w: number, h: number, n: number, step: number): Uint8Array {
  const rgb = new Uint8Array(n * h * w * 3);
  let i = 0;
  for (let f = 0; f < n; f++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        rgb[i++] = (x * 4 + f * 16 + p.seed) & 255;
        rgb[i++] = (y * 4 + step * 8) & 255;
        rgb[i++] = (p.prompt.length * 8) & 255;
      }
  return rgb;
}

class FakeModel implements EngineModel {
  constructor(readonly info: ModelInfo, private readonly stepMs: number) {}

  private async sample(p: GenerateParams, opts: RunOptions | undefined, upTo: number): Promise<void> {
    const t0 = Date.now();
    opts?.onProgress?.({ stage: 'encode', step: 1, total: 1, secondsPerStep: 0, elapsedSeconds: 0, deviceBytesInUse: 0, deviceBytesPeak: 0 });
    for (let s = 1; s <= upTo; s++) {
      if (!p.prompt.includes('hang') && opts?.signal?.aborted) throw err('CANCELLED', 'cancelled');
      if (p.prompt.includes('hang')) {
        const end = Date.now() + this.stepMs;
        while (Date.now() < end) { /* busy: ignores cancel messages */ }
      } else {
        await sleep(this.stepMs);
      }
      if (s === 2 && p.prompt.includes('crash')) process.exit(3);
      if (s === 2 && p.prompt.includes('sigkill')) process.kill(process.pid, 'SIGKILL');
      if (s === 2 && p.prompt.includes('oom')) throw err('OUT_OF_MEMORY', 'out of device memory (fake)');
      const el = (Date.now() - t0) / 1000;
      const pw = Math.max(8, p.width / 8), ph = Math.max(8, p.height / 8), pf = (p.frames - 1) / 4 + 1;
      opts?.onProgress?.({
        stage: 'denoise', step: s, total: p.steps, secondsPerStep: el / s, elapsedSeconds: el,
        deviceBytesInUse: 1000 * s, deviceBytesPeak: 2000 * s,
        ...(p.preview ? { preview: { frames: pf, width: pw, height: ph, rgb: frames(p, pw, ph, pf, s) } } : {}),
      });
    }
  }

  async generate(p: GenerateParams, opts?: RunOptions): Promise<Video> {
    if (p.frames % 4 !== 1) throw err('INVALID_SIZE', 'frames must be 4n+1');
    await this.sample(p, opts, p.steps);
    const chunks = (p.frames - 1) / 4 + 1;
    for (let c = 1; c <= chunks; c++) {
      if (opts?.signal?.aborted) throw err('CANCELLED', 'cancelled during decode');
      await sleep(this.stepMs / 2);
      opts?.onProgress?.({ stage: 'decode', step: c, total: chunks, secondsPerStep: this.stepMs / 2000, elapsedSeconds: 0, deviceBytesInUse: 0, deviceBytesPeak: 0 });
    }
    return {
      rgb: frames(p, p.width, p.height, p.frames, p.steps), frames: p.frames, width: p.width, height: p.height, fps: 16,
      timings: { textSeconds: 0.01, denoiseSeconds: 0.1, decodeSeconds: 0.05 }, deviceBytesPeak: 4242,
    };
  }

  estimateMemory(p: GenerateParams): MemoryEstimate {
    const act = p.width * p.height * p.frames * 16;
    return { weightsBytes: 1e6, activationsBytes: act, peakBytes: 1e6 + act, availableBytes: 8e9, fits: 1e6 + act < 8e9 };
  }

  async attentionMap(p: GenerateParams, r: import('../../engine/types.js').AttnMapRequest, opts?: RunOptions): Promise<AttnMap> {
    await this.sample(p, opts, Math.min(p.steps, r.step + 1));
    const grid: [number, number, number] = [(p.frames - 1) / 4 + 1, p.height / 16, p.width / 16];
    const n = grid[0] * grid[1] * grid[2];
    const probs = new Float32Array(n).fill(1 / n);
    const numTiles = 2;
    return { grid, probs, tiles: [1, 1, 2], numTiles, tileMass: new Float32Array([0.75, 0.25, 0.25, 0.75]), kept: new Uint8Array([1, 0, 0, 1]) };
  }

  async calibrate(p: GenerateParams, r: import('../../engine/types.js').CalibrationRequest, opts?: RunOptions): Promise<Calibration> {
    await this.sample(p, opts, p.steps);
    const L = this.info.dit.layers, H = this.info.dit.heads, C = r.candidates.length;
    const errors = new Float32Array(L * H * C);
    for (let i = 0; i < errors.length; i++) errors[i] = 0.01 * ((i % C) + 1);
    const windows = Array.from({ length: L }, () => Array.from({ length: H }, () => r.candidates[0]!));
    return { steps: p.steps, layers: L, heads: H, candidates: r.candidates, errors, windows, sparsity: 0.5 };
  }

  dispose(): void {}
}

export function createFakeEngine(): Engine {
  if (process.env.FAKE_INIT_FAIL) throw err('ADDON_LOAD_FAILED', 'fake: the native addon is missing');
  const stepMs = Number(process.env.FAKE_STEP_MS ?? 20);
  const info: EngineInfo = {
    backend: 'cpu', deviceName: 'Fake CPU', fallbackReason: '', threads: 2, computeCapability: 0,
    totalMemory: 8e9, freeMemory: 7e9, cudaCompiled: false,
  };
  return {
    info: () => info,
    async loadModel(dir) {
      await sleep(5);
      if (dir.includes('bad')) throw err('NOT_FOUND', `no Wan2.1 model in ${dir}: config.json is missing`);
      return new FakeModel(fakeModelInfo(dir), stepMs);
    },
    async verifyFixture() { return []; },
    dispose() {},
  };
}

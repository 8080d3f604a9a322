// Runs one queued job on the engine: generation (then export and a gallery record), attention
// map or calibration. Progress becomes JobProgress events with ETA, it/s and the live preview.
import type { EventSink } from '../../contract/api.js';
import type { AttnMapResult, CalibrationResult, Job, JobProgress } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import type {
  AttnConfig, AttnMapRequest, AttnRule, Calibration, CalibrationRequest, GenerateParams, Progress,
} from '../../engine/types.js';
import type { EngineClient } from '../../host/engine-host.js';
import type { Exporter } from '../export/exporter.js';
import type { PreviewClips } from '../export/preview-clips.js';
import type { GalleryStore } from '../gallery/gallery-store.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { JobRunner, RunContext, RunOutcome } from '../queue/job-queue.js';
import type { SettingsStore } from '../settings/settings-store.js';

export interface RunnerDeps {
  engine: EngineClient;
  models: ModelRegistry;
  settings: SettingsStore;
  exporter: Exporter;
  gallery: GalleryStore;
  previews: PreviewClips;
  events: EventSink;
  fileUrl: (absPath: string) => string | null;
}

/** Seconds left: the rest of this stage at the measured rate (decode is not known ahead). */
export function etaSeconds(p: Progress): number | null {
  if (p.secondsPerStep <= 0 || p.total <= 0) return null;
  return Math.max(0, (p.total - p.step) * p.secondsPerStep);
}

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ApiError('CANCELLED', 'cancelled');
}

/** Calibration windows as rules: the first denseSteps dense, then one STA rule per layer and head. */
export function calibrationConfig(cal: Calibration, request: CalibrationRequest, tile: AttnConfig['tile']): AttnConfig {
  const rules: AttnRule[] = [];
  cal.windows.forEach((heads, layer) => heads.forEach((window, head) => {
    rules.push({ steps: [request.denseSteps, -1], layers: [layer, layer + 1], head, pattern: 'sta', window: [...window] as [number, number, number] });
  }));
  return tile ? { tile, rules } : { rules };
}

export function createJobRunner(d: RunnerDeps): JobRunner {
  return async (job: Job, ctx: RunContext): Promise<RunOutcome> => {
    const model = d.models.get(job.modelId);
    const s = d.settings.get();
    let previewUrl: string | null = null;
    let previewSeq = 0;
    let last: Omit<JobProgress, 'jobId'> | null = null;
    const wantPreview = job.kind === 'generate' && (job.params.preview ?? s.preview.enabled);
    const session = wantPreview
      ? d.previews.session(job.id, (file, seq) => {
        previewUrl = d.fileUrl(file);
        previewSeq = seq;
        if (last) ctx.progress({ ...last, previewUrl, previewSeq });
      })
      : null;

    const onProgress = (p: Progress) => {
      last = {
        stage: p.stage, step: p.step, total: p.total, secondsPerStep: p.secondsPerStep,
        itPerSecond: p.secondsPerStep > 0 ? 1 / p.secondsPerStep : 0, etaSeconds: etaSeconds(p),
        elapsedSeconds: p.elapsedSeconds, deviceBytesInUse: p.deviceBytesInUse, deviceBytesPeak: p.deviceBytesPeak,
        previewUrl, previewSeq,
      };
      ctx.progress(last);
      if (p.preview && session) session.offer(p.preview);
    };
    const params: GenerateParams = {
      ...job.params,
      preview: wantPreview,
      ...(wantPreview ? { previewMaxSide: job.params.previewMaxSide ?? s.preview.maxSide } : {}),
    };
    const runOpts = { signal: ctx.signal, onProgress };

    try {
      switch (job.kind) {
        case 'generate': {
          const video = await d.engine.generate(model.dir, params, runOpts);
          checkCancelled(ctx.signal);
          const rec = await d.exporter.export(video, job, { id: model.id, name: model.name }, ctx.signal);
          const item = d.gallery.add(rec);
          d.events.emit('gallery.added', item);
          return { outputId: item.id };
        }
        case 'attention-map': {
          const req = job.request as AttnMapRequest;
          const m = await d.engine.attentionMap(model.dir, params, req, runOpts);
          const result: AttnMapResult = {
            jobId: job.id, grid: m.grid, probs: Array.from(m.probs), tiles: m.tiles, numTiles: m.numTiles,
            tileMass: Array.from(m.tileMass), kept: Array.from(m.kept),
          };
          return { result };
        }
        case 'calibrate': {
          const req = job.request as CalibrationRequest;
          const c = await d.engine.calibrate(model.dir, params, req, runOpts);
          const result: CalibrationResult = {
            jobId: job.id, steps: c.steps, layers: c.layers, heads: c.heads, candidates: c.candidates,
            errors: Array.from(c.errors), windows: c.windows, sparsity: c.sparsity,
            config: calibrationConfig(c, req, job.params.attention?.tile),
          };
          return { result };
        }
      }
    } finally {
      await session?.close();
    }
  };
}

// The API's handlers: one function per contract method over the core services. The server and
// the Electron main both dispatch validated calls here (dispatch.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Handlers } from '../../contract/api.js';
import type { Job } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import { DEFAULT_EXPORT, type ExportSettings } from '../../contract/params.js';
import type { GenerateParams } from '../../engine/types.js';
import type { AppCore } from '../app-core.js';
import { BUILTIN_MODEL_ID } from '../models/model-registry.js';
import { defaultParams } from '../models/model-folder.js';
import { expandBatch } from '../queue/batch.js';
import { isInside } from '../files/path-guard.js';
import { randomUUID } from 'node:crypto';

/** Who is calling (for logs); transports may add more. */
export interface CallContext {
  transport: 'ipc' | 'ws' | 'http';
}

function labelOf(p: GenerateParams): string {
  const text = p.prompt.trim().replace(/\s+/g, ' ');
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text || '(empty prompt)'} · seed ${p.seed}`;
}

export function createHandlers(core: AppCore): Handlers<CallContext> {
  const engine = core.opts.engine;

  const modelFor = (id: string | undefined) => {
    if (id) return core.models.get(id);
    const s = core.settings.get();
    const pick = (s.defaultModelId && core.models.find(s.defaultModelId)) || core.models.find(BUILTIN_MODEL_ID) ||
      core.models.list()[0];
    if (!pick) throw new ApiError('NOT_FOUND', 'no model is installed: import a Wan2.1 folder or download one');
    return pick;
  };
  const exportOf = (e: ExportSettings | undefined): ExportSettings => e ?? core.settings.get().defaultExport ?? DEFAULT_EXPORT;

  const attentionJob = async (kind: 'attention-map' | 'calibrate', modelId: string | undefined, params: GenerateParams,
    request: Job['request']) => {
    const model = modelFor(modelId);
    const job = core.queue.submit({
      kind, modelId: model.id, params, export: exportOf(undefined), request,
      label: `${kind === 'calibrate' ? 'Calibration' : 'Attention map'} · ${labelOf(params)}`,
    });
    const { job: done, result } = await core.queue.waitFor(job.id);
    if (done.state !== 'done' || result === undefined) {
      throw new ApiError((done.error?.code ?? 'CANCELLED') as ApiError['code'], done.error?.message ?? `job ${done.state}`);
    }
    return result;
  };

  return {
    // ---------------------------------------------------------------- app / engine
    'app.info': () => ({
      version: core.opts.version, mode: core.opts.mode, platform: `${os.platform()}-${os.arch()}`,
      dataDir: core.dataDir, nativeDialogs: core.opts.pickFolder !== undefined,
    }),
    'engine.status': () => engine.status,
    'engine.restart': () => engine.restart(),

    // ---------------------------------------------------------------- models
    'models.list': () => core.models.list(),
    'models.get': ({ id }) => core.models.get(id),
    'models.import': ({ dir, name }) => core.models.import(core.guard.resolve(dir), name),
    'models.remove': ({ id, deleteFiles }) => {
      const m = core.models.remove(id);
      if (!m) return { removed: false };
      // Only folders we downloaded into the models folder are ever deleted.
      const modelsDir = path.resolve(core.modelsDir());
      if (deleteFiles && m.source === 'downloaded' && m.dir !== modelsDir && isInside(modelsDir, m.dir)) {
        try {
          fs.rmSync(m.dir, { recursive: true, force: true });
        } catch (e) {
          throw new ApiError('IO_ERROR', `the model was removed but its folder could not be deleted: ${(e as Error).message}`);
        }
      }
      return { removed: true };
    },
    'models.download': (p) => core.downloads.start(p),
    'models.downloads': () => core.downloads.list(),
    'models.cancelDownload': ({ id }) => core.downloads.cancel(id),
    'models.resumeDownload': ({ id }) => core.downloads.resume(id),

    // ---------------------------------------------------------------- generation
    'generate.defaults': ({ modelId }) => {
      const m = modelFor(modelId);
      const params = defaultParams(m.info);
      // Optional fields of newer engine wrappers (tessera.json defaults).
      const extra = m.info.defaults as { negativePrompt?: string; attention?: GenerateParams['attention'] };
      if (extra.negativePrompt) params.negativePrompt = extra.negativePrompt;
      if (extra.attention) params.attention = extra.attention;
      return { modelId: m.id, params };
    },
    'generate.estimate': ({ modelId, params }) => engine.estimateMemory(modelFor(modelId).dir, params),
    'generate.submit': ({ modelId, params, export: exp, label }) => {
      const m = modelFor(modelId);
      return core.queue.submit({ kind: 'generate', modelId: m.id, params, export: exportOf(exp), label: label ?? labelOf(params) });
    },
    'generate.presets.list': () => core.presets.generationPresets(),
    'generate.presets.save': (p) => core.presets.saveGenerationPreset(p as Parameters<typeof core.presets.saveGenerationPreset>[0]),
    'generate.presets.delete': ({ id }) => ({ removed: core.presets.delete(id, 'generation') }),
    'generate.history': ({ limit }) => core.jobs.recentPrompts(limit ?? 50),

    // ---------------------------------------------------------------- queue
    'queue.list': () => core.queue.snapshot(),
    'queue.get': ({ id }) => core.queue.get(id),
    'queue.submitBatch': (spec) => {
      const m = modelFor(spec.modelId);
      const all = expandBatch(spec);
      const batchId = randomUUID();
      const exp = exportOf(spec.export);
      const jobs = core.queue.submitMany(all.map((params, i) => ({
        kind: 'generate' as const, modelId: m.id, params, export: exp, batchId,
        label: `${spec.label ? `${spec.label} ` : ''}[${i + 1}/${all.length}] ${labelOf(params)}`,
      })));
      return { batchId, jobs };
    },
    'queue.pause': () => core.queue.pause(),
    'queue.resume': () => core.queue.resume(),
    'queue.cancel': ({ id }) => core.queue.cancel(id),
    'queue.reorder': ({ ids }) => core.queue.reorder(ids),
    'queue.retry': ({ id }) => core.queue.retry(id),
    'queue.remove': ({ id }) => ({ removed: core.queue.remove(id) }),
    'queue.clearFinished': () => core.queue.clearFinished(),

    // ---------------------------------------------------------------- attention
    'attention.map': async ({ modelId, params, request }) =>
      attentionJob('attention-map', modelId, params, request) as Promise<import('../../contract/entities.js').AttnMapResult>,
    'attention.calibrate': async ({ modelId, params, request }) =>
      attentionJob('calibrate', modelId, params, request) as Promise<import('../../contract/entities.js').CalibrationResult>,
    'attention.presets.list': () => core.presets.windowPresets(),
    'attention.presets.save': (p) => {
      const saved = core.presets.saveWindowPreset(p);
      core.events.emit('attention.presets.changed', core.presets.windowPresets());
      return saved;
    },
    'attention.presets.delete': ({ id }) => {
      const removed = core.presets.delete(id, 'attention');
      if (removed) core.events.emit('attention.presets.changed', core.presets.windowPresets());
      return { removed };
    },

    // ---------------------------------------------------------------- gallery
    'gallery.list': ({ limit, offset, search }) => core.gallery.list(limit ?? 50, offset ?? 0, search),
    'gallery.get': ({ id }) => core.gallery.get(id),
    'gallery.reuse': ({ id }) => core.gallery.reuse(id),
    'gallery.reuseFromFile': ({ path }) => core.exporter.readSettings(core.guard.resolve(path)),
    'gallery.delete': ({ id, deleteFile }) => {
      const removed = core.gallery.delete(id, deleteFile ?? true);
      if (removed) core.events.emit('gallery.removed', { id });
      return { removed };
    },
    'gallery.open': async ({ id, reveal }) => {
      const it = core.gallery.get(id);
      if (!it.url) throw new ApiError('NOT_FOUND', `${it.path} no longer exists`);
      const opened = core.opts.openPath ? await core.opts.openPath(it.path, reveal ?? false) : false;
      return { url: it.url, opened };
    },

    // ---------------------------------------------------------------- settings
    'settings.get': () => core.settings.get(),
    'settings.update': (patch) => {
      for (const key of ['outputDir', 'modelsDir'] as const) {
        const v = patch[key];
        if (typeof v === 'string') patch[key] = core.guard.resolve(v);
      }
      return core.settings.update(patch);
    },

    // ---------------------------------------------------------------- files
    'files.roots': () => core.guard.list(),
    'files.list': ({ path }) => core.guard.listDir(path),
    'files.pickFolder': async ({ title }) => {
      if (!core.opts.pickFolder) return { path: null };
      const picked = await core.opts.pickFolder(title);
      if (picked) core.allowFolder(picked);
      return { path: picked };
    },

    // ---------------------------------------------------------------- logs
    'logs.tail': ({ limit, minLevel }) => core.log.tail(limit ?? 200, minLevel ?? 'debug'),
  };
}

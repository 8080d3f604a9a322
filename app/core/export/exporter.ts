// Writes a finished job's frames with its export settings through app/media, embedding the
// settings that reproduce it (model, params, export) in the file's metadata.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Job, ReusableSettings } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import { ExportSettingsSchema, GenerateParamsSchema } from '../../contract/params.js';
import type { Video } from '../../engine/types.js';
import type { GalleryRecord } from '../gallery/gallery-store.js';
import type { MediaPort } from './media-port.js';

/** The JSON embedded in every export ("reuse settings" from a file reads it back). */
export const EmbeddedSettingsSchema = z.object({
  app: z.literal('tessera'),
  modelId: z.string().nullable(),
  modelName: z.string(),
  params: GenerateParamsSchema,
  export: ExportSettingsSchema,
});
export type EmbeddedSettings = z.infer<typeof EmbeddedSettingsSchema>;

export function embeddedSettings(job: Job, modelName: string): EmbeddedSettings {
  return { app: 'tessera', modelId: job.modelId, modelName, params: job.params, export: job.export };
}

export function toReusable(raw: unknown, file: string): ReusableSettings {
  const r = EmbeddedSettingsSchema.safeParse(raw);
  if (!r.success) throw new ApiError('CORRUPT_FILE', `${file} carries no Tessera settings we can read`);
  return { modelId: r.data.modelId, modelName: r.data.modelName, params: r.data.params, export: r.data.export };
}

function slug(s: string, max = 40): string {
  const t = s.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, max);
  return t.replace(/-+$/, '') || 'video';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** <outputDir>/<YYYY-MM-DD>/<HHMMSS>_<prompt>_s<seed>_<id>.<ext> (png: a folder). */
export function outputPath(outputDir: string, job: Job, now = new Date()): string {
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const base = `${time}_${slug(job.params.prompt)}_s${job.params.seed}_${job.id.slice(0, 8)}`;
  const ext = job.export.format === 'png' ? '' : `.${job.export.format}`;
  return path.join(outputDir, day, base + ext);
}

export class Exporter {
  constructor(private readonly media: MediaPort, private readonly outputDir: () => string) {}

  async export(video: Video, job: Job, model: { id: string; name: string }, signal: AbortSignal): Promise<GalleryRecord> {
    const out = outputPath(this.outputDir(), job);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
    } catch (e) {
      throw new ApiError('IO_ERROR', `cannot create the output folder ${path.dirname(out)}: ${(e as Error).message}`);
    }
    const fps = job.export.fps ?? video.fps;
    let file;
    try {
      file = await this.media.encodeVideo(
        { rgb: video.rgb, frames: video.frames, width: video.width, height: video.height, fps },
        out,
        {
          format: job.export.format,
          ...(job.export.crf !== undefined ? { crf: job.export.crf } : {}),
          settings: embeddedSettings(job, model.name),
          signal,
        });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'CANCELLED' || signal.aborted) throw new ApiError('CANCELLED', 'cancelled while exporting');
      if (code === 'DISK_FULL') throw new ApiError('IO_ERROR', (e as Error).message);
      throw new ApiError('EXPORT_FAILED', `export to ${job.export.format} failed: ${(e as Error).message}`);
    }
    return {
      id: job.id, jobId: job.id, modelId: model.id, modelName: model.name, path: file.path,
      format: job.export.format, width: file.width, height: file.height, frames: file.frames, fps,
      sizeBytes: file.bytes, createdAt: Date.now(), params: job.params, export: job.export,
      timings: video.timings, deviceBytesPeak: video.deviceBytesPeak,
    };
  }

  async readSettings(file: string): Promise<ReusableSettings> {
    let raw: unknown;
    try {
      raw = await this.media.readSettings(file);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new ApiError(code === 'FFMPEG_NOT_FOUND' ? 'EXPORT_FAILED' : 'IO_ERROR', `cannot read ${file}: ${(e as Error).message}`);
    }
    if (raw === null || raw === undefined) throw new ApiError('NOT_FOUND', `${file} has no embedded Tessera settings`);
    return toReusable(raw, file);
  }
}

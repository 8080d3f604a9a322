// Live-preview clips: every frame of a step's x0 preview, encoded fast and small for the UI to
// play while sampling continues. Same temp-then-rename rule as exports.
import type { PreviewFrames } from '../engine/types.js';
import { encodeVideo, type EncodeResult } from './encode.js';

export interface PreviewClipOptions {
  /** Playback rate; default 16 (Wan's). */
  fps?: number;
  /** 'mp4' (H.264, default: Electron and Chromium play it) or 'webm'. */
  format?: 'mp4' | 'webm';
  signal?: AbortSignal;
}

export function encodePreviewClip(preview: PreviewFrames, out: string, opts: PreviewClipOptions = {}): Promise<EncodeResult> {
  const format = opts.format ?? 'mp4';
  return encodeVideo({ rgb: preview.rgb, frames: preview.frames, width: preview.width, height: preview.height,
    fps: opts.fps ?? 16 }, out, {
    format,
    // Cheapest settings that still look like the frames: the clip lives for one step.
    ...(format === 'mp4' ? { preset: 'ultrafast', crf: 28 } : { crf: 40 }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

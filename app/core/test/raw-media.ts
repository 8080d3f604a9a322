// Test-only MediaPort: writes frames as a tiny raw container (a JSON header line, then RGB
// bytes) so the core's tests run without ffmpeg; the real app/media is tested on its own and
// through the server tests.
import fs from 'node:fs';
import type { PreviewFrames } from '../../engine/types.js';
import type { EncodedFile, MediaPort, RawVideo } from '../export/media-port.js';

export class RawMedia implements MediaPort {
  encodes = 0;
  previews = 0;
  delayMs = 0;

  async encodeVideo(v: RawVideo, out: string, opts: { settings?: unknown; signal?: AbortSignal }): Promise<EncodedFile> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
    const header = JSON.stringify({ w: v.width, h: v.height, f: v.frames, fps: v.fps, settings: opts.settings ?? null });
    fs.writeFileSync(`${out}.tmp`, Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(v.rgb)]));
    fs.renameSync(`${out}.tmp`, out);
    this.encodes++;
    return { path: out, bytes: fs.statSync(out).size, frames: v.frames, width: v.width, height: v.height };
  }

  async encodePreviewClip(p: PreviewFrames, out: string): Promise<EncodedFile> {
    this.previews++;
    return this.encodeVideo({ rgb: p.rgb, frames: p.frames, width: p.width, height: p.height, fps: 16 }, out, {});
  }

  async readSettings(file: string): Promise<unknown> {
    const buf = fs.readFileSync(file);
    const nl = buf.indexOf(10);
    if (nl < 0) return null;
    try {
      return (JSON.parse(buf.subarray(0, nl).toString('utf8')) as { settings: unknown }).settings;
    } catch {
      return null;
    }
  }
}

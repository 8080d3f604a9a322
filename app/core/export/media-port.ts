// What the core needs from app/media (ffmpeg encoders and metadata). The product passes the
// module itself (default-media.ts); the signatures below are app/media's.
import type { PreviewFrames } from '../../engine/types.js';
import type { ExportFormat } from '../../contract/params.js';

export interface RawVideo {
  rgb: Uint8Array;
  frames: number;
  width: number;
  height: number;
  fps: number;
}

export interface EncodedFile {
  path: string;
  bytes: number;
  frames: number;
  width: number;
  height: number;
}

export interface MediaPort {
  encodeVideo(video: RawVideo, out: string, opts: {
    format?: ExportFormat; crf?: number; settings?: unknown; signal?: AbortSignal;
  }): Promise<EncodedFile>;
  encodePreviewClip(preview: PreviewFrames, out: string, opts?: {
    fps?: number; format?: 'mp4' | 'webm'; signal?: AbortSignal;
  }): Promise<EncodedFile>;
  readSettings(file: string): Promise<unknown>;
}

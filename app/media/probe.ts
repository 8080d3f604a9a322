// What ffprobe says about a file: codec, pixel format, size, frame count, duration, tags.
import { runTool } from './run.js';

export interface ProbeInfo {
  formatName: string;
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  /** Decoded frame count (ffprobe -count_frames). */
  frames: number;
  durationSeconds: number;
  tags: Record<string, string>;
}

export async function probe(file: string): Promise<ProbeInfo> {
  const json = await runTool('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_frames:format=format_name,duration:format_tags',
    '-of', 'json', file]);
  const o = JSON.parse(json) as {
    streams?: Array<{ codec_name?: string; pix_fmt?: string; width?: number; height?: number; nb_read_frames?: string }>;
    format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
  };
  const s = o.streams?.[0] ?? {};
  return {
    formatName: o.format?.format_name ?? '',
    codec: s.codec_name ?? '',
    pixFmt: s.pix_fmt ?? '',
    width: s.width ?? 0,
    height: s.height ?? 0,
    frames: Number(s.nb_read_frames ?? 0),
    durationSeconds: Number(o.format?.duration ?? 0),
    tags: o.format?.tags ?? {},
  };
}

// ffprobe of exported files: codec, pixel format, frame count, size and the settings metadata.
import { execFileSync } from 'node:child_process';

export function ffprobe(file) {
  const out = execFileSync(process.env.FFPROBE_PATH || 'ffprobe', [
    '-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file,
  ]);
  const j = JSON.parse(out.toString());
  const v = j.streams.find((s) => s.codec_type === 'video');
  return {
    codec: v?.codec_name,
    pixFmt: v?.pix_fmt,
    width: v?.width,
    height: v?.height,
    frames: Number(v?.nb_read_frames ?? v?.nb_frames),
    tags: { ...(j.format.tags ?? {}), ...(v?.tags ?? {}) },
    duration: Number(j.format.duration),
  };
}

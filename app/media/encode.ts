// Encoders from raw RGB frames (piped to ffmpeg): MP4 H.264, WebM VP9, GIF with a generated
// palette, PNG frames into a folder. Settings are embedded (see metadata.ts). Output is written
// to a temporary name beside the target and renamed into place, so a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { MediaError, fsFailure } from './errors.js';
import { SETTINGS_FILE, gifWithComment, pngWithComment, settingsComment } from './metadata.js';
import { runTool } from './run.js';

export type ExportFormat = 'mp4' | 'webm' | 'gif' | 'png';

/** Frames as the engine returns them: [frames][height][width][3] RGB. */
export interface RawVideo {
  rgb: Uint8Array;
  frames: number;
  width: number;
  height: number;
  fps: number;
}

export interface EncodeOptions {
  /** Default: from the output's extension (a path without one: png folder), else mp4. */
  format?: ExportFormat;
  /** Quality: x264 CRF 0-51 (default 18), VP9 CRF 0-63 (default 32). */
  crf?: number;
  /** x264 preset (default 'medium'). */
  preset?: string;
  /** yuv420p needs even sides: pad with black (default) or scale. */
  evenSides?: 'pad' | 'scale';
  /** Generation settings to embed (any JSON value). */
  settings?: unknown;
  /** GIF palette size, 2-256 (default 256). */
  gifColors?: number;
  signal?: AbortSignal;
}

export interface EncodeResult {
  path: string;
  format: ExportFormat;
  bytes: number;
  frames: number;
  width: number;
  height: number;
}

export function formatFromPath(path: string): ExportFormat | null {
  const ext = extname(path).toLowerCase().slice(1);
  if (ext === 'mp4' || ext === 'm4v' || ext === 'mov') return 'mp4';
  if (ext === 'webm' || ext === 'mkv') return 'webm';
  if (ext === 'gif') return 'gif';
  if (ext === 'png' || ext === '') return 'png';
  return null;
}

export function validateFrames(v: RawVideo): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!ok(v.frames) || !ok(v.width) || !ok(v.height)) {
    throw new MediaError('INVALID_INPUT', `bad video size ${v.frames} frames of ${v.width}x${v.height}`);
  }
  if (!(v.fps > 0 && v.fps <= 240)) throw new MediaError('INVALID_INPUT', `bad frame rate ${v.fps}`);
  const expected = v.frames * v.width * v.height * 3;
  if (v.rgb.byteLength !== expected) {
    throw new MediaError('INVALID_INPUT',
      `frame data has ${v.rgb.byteLength} bytes, ${v.frames}x${v.height}x${v.width}x3 = ${expected} expected`);
  }
}

function rawInput(v: RawVideo): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24',
    '-s', `${v.width}x${v.height}`, '-r', String(v.fps), '-i', 'pipe:0'];
}

function evenFilter(mode: 'pad' | 'scale'): string {
  return mode === 'scale' ? 'scale=trunc((iw+1)/2)*2:trunc((ih+1)/2)*2:flags=bicubic'
    : 'pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:black';
}

const even = (n: number) => n + (n % 2);

function clampCrf(crf: number | undefined, fallback: number, max: number): number {
  if (crf === undefined) return fallback;
  if (!Number.isFinite(crf) || crf < 0 || crf > max) throw new MediaError('INVALID_INPUT', `CRF must be 0-${max}, got ${crf}`);
  return Math.round(crf);
}

/** An ffmetadata file holding one global `comment` tag (=, ;, #, \\ and newlines escaped). */
function ffmetadata(comment: string): string {
  return `;FFMETADATA1\ncomment=${comment.replace(/[=;#\\\n]/g, (c) => `\\${c}`)}\n`;
}

function tempBeside(path: string, suffix = ''): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.part${suffix}`);
}

function commitFile(tmp: string, out: string): number {
  try {
    renameSync(tmp, out);
    return statSync(out).size;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fsFailure(`cannot move the output into place at ${out}`, err);
  }
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fsFailure(`cannot create ${dir}`, err);
  }
}

async function encodeFile(v: RawVideo, out: string, format: 'mp4' | 'webm' | 'gif', o: EncodeOptions): Promise<EncodeResult> {
  const tmp = tempBeside(out);
  const comment = o.settings === undefined ? null : settingsComment(o.settings);
  // Settings go through an ffmetadata file, not -metadata: one argument is capped at 128 KiB, and
  // per-head attention rules of a large model come close.
  const metaFile = comment !== null && format !== 'gif' ? join(tmpdir(), `tessera-meta-${process.pid}-${randomBytes(4).toString('hex')}.txt`) : null;
  const meta = metaFile !== null ? ['-f', 'ffmetadata', '-i', metaFile, '-map', '0:v', '-map_metadata', '1'] : [];
  let args: string[];
  let width = v.width;
  let height = v.height;
  if (format === 'mp4') {
    width = even(width);
    height = even(height);
    args = [...rawInput(v), ...meta, '-vf', evenFilter(o.evenSides ?? 'pad'), '-c:v', 'libx264', '-preset', o.preset ?? 'medium',
      '-crf', String(clampCrf(o.crf, 18, 51)), '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '-y', tmp];
  } else if (format === 'webm') {
    width = even(width);
    height = even(height);
    args = [...rawInput(v), ...meta, '-vf', evenFilter(o.evenSides ?? 'pad'), '-c:v', 'libvpx-vp9', '-crf',
      String(clampCrf(o.crf, 32, 63)), '-b:v', '0', '-row-mt', '1', '-deadline', 'good', '-cpu-used', '4',
      '-pix_fmt', 'yuv420p', '-f', 'webm', '-y', tmp];
  } else {
    const colors = o.gifColors ?? 256;
    if (!Number.isInteger(colors) || colors < 2 || colors > 256) throw new MediaError('INVALID_INPUT', `gifColors must be 2-256`);
    args = [...rawInput(v), '-filter_complex',
      `[0:v]split[a][b];[a]palettegen=max_colors=${colors}:stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a`,
      '-loop', '0', '-f', 'gif', '-y', tmp];
  }
  try {
    if (metaFile !== null) writeFileSync(metaFile, ffmetadata(comment!));
    await runTool('ffmpeg', args, { input: v.rgb, ...(o.signal ? { signal: o.signal } : {}) });
    if (format === 'gif' && comment !== null) writeFileSync(tmp, gifWithComment(readFileSync(tmp), comment));
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof MediaError) throw err;
    throw fsFailure(`cannot write ${out}`, err);
  } finally {
    if (metaFile !== null) rmSync(metaFile, { force: true });
  }
  return { path: out, format, bytes: commitFile(tmp, out), frames: v.frames, width, height };
}

async function encodeFrames(v: RawVideo, out: string, o: EncodeOptions): Promise<EncodeResult> {
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
    throw new MediaError('IO_ERROR', `${out} already exists and is not an empty folder`);
  }
  const tmp = tempBeside(out);
  ensureDir(tmp);
  try {
    await runTool('ffmpeg', [...rawInput(v), '-c:v', 'png', '-f', 'image2', '-start_number', '1', '-y',
      join(tmp, 'frame_%05d.png')], { input: v.rgb, ...(o.signal ? { signal: o.signal } : {}) });
    if (o.settings !== undefined) {
      const comment = settingsComment(o.settings);
      for (const f of readdirSync(tmp)) writeFileSync(join(tmp, f), pngWithComment(readFileSync(join(tmp, f)), comment));
      writeFileSync(join(tmp, SETTINGS_FILE), comment);
    }
    if (existsSync(out)) rmSync(out, { recursive: true }); // an empty folder, checked above
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof MediaError) throw err;
    throw fsFailure(`cannot write ${out}`, err);
  }
  const bytes = readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);
  return { path: out, format: 'png', bytes, frames: v.frames, width: v.width, height: v.height };
}

/** Encodes frames to `out` (a file, or a folder for PNG frames). */
export async function encodeVideo(video: RawVideo, out: string, opts: EncodeOptions = {}): Promise<EncodeResult> {
  validateFrames(video);
  const format = opts.format ?? formatFromPath(out) ?? 'mp4';
  if (format === 'png') {
    ensureDir(dirname(out));
    return encodeFrames(video, out, opts);
  }
  ensureDir(dirname(out));
  return encodeFile(video, out, format, opts);
}

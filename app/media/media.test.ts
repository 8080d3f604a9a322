import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodePreviewClip, encodeVideo, MediaError, probe, readSettings, resetLocateCache, type RawVideo } from './index.js';
import { gifComments, pngComments } from './metadata.js';
import { runTool } from './run.js';

const root = mkdtempSync(join(tmpdir(), 'tsr-media-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A moving colour gradient, so encoders see real motion. */
function frames(n: number, width: number, height: number, fps = 16): RawVideo {
  const rgb = new Uint8Array(n * width * height * 3);
  for (let f = 0; f < n; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = ((f * height + y) * width + x) * 3;
        rgb[i] = (x * 255 / width + f * 16) & 255;
        rgb[i + 1] = (y * 255 / height) & 255;
        rgb[i + 2] = (f * 40) & 255;
      }
    }
  }
  return { rgb, frames: n, width, height, fps };
}

const settings = {
  prompt: 'a red ball bouncing on a blue background',
  negativePrompt: '色调艳丽，过曝，静态 "quoted" \\ backslash',
  seed: 4294967297, steps: 8, guidance: 5, shift: 3.25, sampler: 'unipc',
  attention: { tile: [6, 8, 8], rules: [{ pattern: 'sta', window: [3, 3, 3], layers: [1, -1] }] },
  nested: { empty: [], flag: true, nothing: null },
};

const noPartFiles = () => readdirSync(root).filter((f) => f.includes('.part'));

describe('encodeVideo', () => {
  it('writes an H.264 MP4 (yuv420p, even sides padded, every frame, settings in the comment tag)', async () => {
    const out = join(root, 'a.mp4');
    const r = await encodeVideo(frames(17, 33, 25), out, { settings });
    expect(r).toMatchObject({ format: 'mp4', width: 34, height: 26, frames: 17 });
    const p = await probe(out);
    expect(p).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 34, height: 26, frames: 17 });
    expect(p.durationSeconds).toBeCloseTo(17 / 16, 1);
    expect(JSON.parse(p.tags.comment!)).toEqual({ tessera: 1, settings });
    expect(await readSettings(out)).toEqual(settings);
    // +faststart: the moov atom comes before mdat
    const buf = readFileSync(out);
    expect(buf.indexOf('moov')).toBeLessThan(buf.indexOf('mdat'));
  });

  it('round-trips large settings with special characters (past the 128 KiB argument limit)', async () => {
    const rules = Array.from({ length: 2000 }, (_, i) => ({ pattern: 'sta', window: [3, 5, 5], layers: [i % 40, i % 40 + 1], head: i % 40, steps: [10, -1] }));
    const big = { ...settings, prompt: 'a; b=c #d \\ e\nline two 色调', attention: { tile: [6, 8, 8], rules } };
    expect(JSON.stringify(big).length).toBeGreaterThan(140_000);
    for (const ext of ['mp4', 'webm']) {
      const out = join(root, `big.${ext}`);
      await encodeVideo(frames(3, 16, 16), out, { settings: big });
      expect(await readSettings(out)).toEqual(big);
    }
  });

  it('scales instead of padding when asked', async () => {
    const out = join(root, 'scaled.mp4');
    await encodeVideo(frames(5, 31, 17), out, { evenSides: 'scale' });
    expect(await probe(out)).toMatchObject({ width: 32, height: 18, frames: 5 });
    expect(await readSettings(out)).toBeNull();
  });

  it('uses the CRF: a lower CRF gives a larger file', async () => {
    const v = frames(9, 64, 64);
    const hi = await encodeVideo(v, join(root, 'crf10.mp4'), { crf: 10 });
    const lo = await encodeVideo(v, join(root, 'crf40.mp4'), { crf: 40 });
    expect(hi.bytes).toBeGreaterThan(lo.bytes);
  });

  it('writes a VP9 WebM with settings', async () => {
    const out = join(root, 'a.webm');
    await encodeVideo(frames(9, 48, 32), out, { settings });
    expect(await probe(out)).toMatchObject({ codec: 'vp9', pixFmt: 'yuv420p', width: 48, height: 32, frames: 9 });
    expect(await readSettings(out)).toEqual(settings);
  });

  it('writes a GIF with a generated palette and a comment ffprobe reads back', async () => {
    const out = join(root, 'a.gif');
    await encodeVideo(frames(9, 40, 30), out, { settings });
    const p = await probe(out);
    expect(p).toMatchObject({ codec: 'gif', width: 40, height: 30, frames: 9 });
    expect(JSON.parse(p.tags.comment!).settings).toEqual(settings);
    expect(gifComments(readFileSync(out))).toHaveLength(1);
    expect(await readSettings(out)).toEqual(settings);
  });

  it('writes PNG frames into a folder with settings.json and a comment in every frame', async () => {
    const out = join(root, 'frames');
    const r = await encodeVideo(frames(5, 20, 12), out, { format: 'png', settings });
    expect(r.format).toBe('png');
    const files = readdirSync(out).sort();
    expect(files).toEqual(['frame_00001.png', 'frame_00002.png', 'frame_00003.png', 'frame_00004.png', 'frame_00005.png', 'settings.json']);
    expect(await probe(join(out, 'frame_00003.png'))).toMatchObject({ codec: 'png', width: 20, height: 12 });
    expect(JSON.parse(pngComments(readFileSync(join(out, 'frame_00001.png')))[0]!).settings).toEqual(settings);
    expect(await readSettings(out)).toEqual(settings);
    expect(await readSettings(join(out, 'frame_00002.png'))).toEqual(settings);
  });

  it('refuses to write PNG frames into a non-empty folder', async () => {
    const out = join(root, 'frames');
    await expect(encodeVideo(frames(2, 8, 8), out, { format: 'png' })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('rejects frame data that does not match its size', async () => {
    const v = frames(3, 16, 16);
    await expect(encodeVideo({ ...v, frames: 4 }, join(root, 'bad.mp4'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(encodeVideo({ ...v, width: 0 }, join(root, 'bad.mp4'))).rejects.toBeInstanceOf(MediaError);
    await expect(encodeVideo(v, join(root, 'bad.mp4'), { crf: 99 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('reports an unwritable output as IO_ERROR and leaves no temporary file', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    await expect(encodeVideo(frames(2, 8, 8), join(blocker, 'out.mp4'))).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(noPartFiles()).toEqual([]);
  });

  it('can be cancelled with an AbortSignal', async () => {
    const ac = new AbortController();
    const p = encodeVideo(frames(60, 256, 256), join(root, 'cancel.webm'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(join(root, 'cancel.webm'))).toBe(false);
    expect(noPartFiles()).toEqual([]);
  });
});

describe('ffmpeg failures', () => {
  afterEach(() => {
    delete process.env.FFMPEG_PATH;
    resetLocateCache();
  });

  it('turns a full disk into DISK_FULL, even when ffmpeg exits 0', async () => {
    const v = frames(3, 16, 16);
    const input = ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '16x16', '-r', '16', '-i', 'pipe:0'];
    await expect(runTool('ffmpeg', [...input, '-c:v', 'libx264', '-f', 'mp4', '-y', '/dev/full'], { input: v.rgb }))
      .rejects.toMatchObject({ code: 'DISK_FULL' });
    await expect(runTool('ffmpeg', [...input, '-c:v', 'libx264', '-f', 'matroska', '-y', '/dev/full'], { input: v.rgb }))
      .rejects.toMatchObject({ code: 'DISK_FULL' });
  });

  it('says clearly when ffmpeg cannot be found', async () => {
    process.env.FFMPEG_PATH = join(root, 'no-such-ffmpeg');
    resetLocateCache();
    const err = await encodeVideo(frames(2, 8, 8), join(root, 'x.mp4')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FFMPEG_NOT_FOUND' });
    expect((err as Error).message).toContain('FFMPEG_PATH');
  });

  it('reports a broken ffmpeg as ENCODE_FAILED with its stderr', async () => {
    const fake = join(root, 'fake-ffmpeg');
    writeFileSync(fake, '#!/bin/sh\necho "Unknown encoder libx264" >&2\nexit 1\n', { mode: 0o755 });
    process.env.FFMPEG_PATH = fake;
    resetLocateCache();
    const err = await encodeVideo(frames(2, 8, 8), join(root, 'y.mp4')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENCODE_FAILED' });
    expect((err as Error).message).toContain('Unknown encoder libx264');
    expect(noPartFiles()).toEqual([]);
  });
});

describe('encodePreviewClip', () => {
  it('encodes every preview frame into a small H.264 clip', async () => {
    const v = frames(5, 16, 16);
    const out = join(root, 'preview', 'step-3.mp4');
    const r = await encodePreviewClip({ frames: 5, width: 16, height: 16, rgb: v.rgb }, out);
    expect(r.bytes).toBeLessThan(20_000);
    expect(await probe(out)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', frames: 5, width: 16, height: 16 });
  });
  it('can write WebM previews', async () => {
    const v = frames(5, 16, 16);
    const out = join(root, 'preview', 'step-4.webm');
    await encodePreviewClip({ frames: 5, width: 16, height: 16, rgb: v.rgb }, out, { format: 'webm' });
    expect(await probe(out)).toMatchObject({ codec: 'vp9', frames: 5 });
  });
});

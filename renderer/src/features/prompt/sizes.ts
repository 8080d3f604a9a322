// Sizes the engine accepts (tessera.h: frames = 4n+1, sides positive multiples of 16, latent grid at
// most 1024 per axis) and presets derived from the model's own default size, so a small demo model
// gets small presets and Wan 1.3B gets 480p ones.
export interface SizeLimits {
  /** Pixel multiple for width and height: VAE stride × patch (8 × 2 for Wan2.1). */
  sideMultiple: number;
  /** Frame count is a multiple of this plus one (the VAE's temporal stride). */
  frameStride: number;
  /** Largest side in pixels: the latent grid is at most 1024 per axis. */
  maxSide: number;
  maxFrames: number;
}

const MAX_LATENT = 1024;

export const WAN_LIMITS: SizeLimits = { sideMultiple: 16, frameStride: 4, maxSide: MAX_LATENT * 8, maxFrames: (MAX_LATENT - 1) * 4 + 1 };

export function limitsFor(info?: { vae: { stride: [number, number, number] }; dit: { patch: [number, number, number] } }): SizeLimits {
  if (!info) return WAN_LIMITS;
  const [st, sh] = info.vae.stride;
  return { sideMultiple: sh * info.dit.patch[1], frameStride: st, maxSide: MAX_LATENT * sh, maxFrames: (MAX_LATENT - 1) * st + 1 };
}

export interface SizeProblem {
  field: 'width' | 'height' | 'frames';
  message: string;
}

export function validateSize(
  size: { width: number; height: number; frames: number },
  limits: SizeLimits = WAN_LIMITS,
): SizeProblem[] {
  const problems: SizeProblem[] = [];
  const maxSide = limits.maxSide;
  for (const field of ['width', 'height'] as const) {
    const v = size[field];
    if (!Number.isInteger(v) || v <= 0) problems.push({ field, message: `${field} must be a positive whole number` });
    else if (v % limits.sideMultiple !== 0)
      problems.push({ field, message: `${field} must be a multiple of ${limits.sideMultiple} (nearest: ${snapSide(v, limits)})` });
    else if (v > maxSide) problems.push({ field, message: `${field} is at most ${maxSide}` });
  }
  const f = size.frames;
  if (!Number.isInteger(f) || f < 1) problems.push({ field: 'frames', message: 'frames must be a positive whole number' });
  else if ((f - 1) % limits.frameStride !== 0)
    problems.push({ field: 'frames', message: `frames must be ${limits.frameStride}n+1 (nearest: ${snapFrames(f, limits)})` });
  else if (f > limits.maxFrames) problems.push({ field: 'frames', message: `at most ${limits.maxFrames} frames` });
  return problems;
}

export function snapSide(v: number, limits: SizeLimits = WAN_LIMITS): number {
  const m = limits.sideMultiple;
  return Math.max(m, Math.round(v / m) * m);
}

export function snapFrames(f: number, limits: SizeLimits = WAN_LIMITS): number {
  const s = limits.frameStride;
  return Math.max(1, Math.round((f - 1) / s) * s + 1);
}

export interface ResolutionPreset {
  label: string;
  width: number;
  height: number;
}

const ASPECTS: Array<[string, number, number]> = [
  ['16:9', 16, 9],
  ['9:16', 9, 16],
  ['1:1', 1, 1],
  ['4:3', 4, 3],
  ['3:4', 3, 4],
];

/**
 * Resolution presets at the model's default pixel area (and half of it, for quick drafts), one per
 * common aspect ratio, all valid sizes. The model's own default comes first.
 */
export function resolutionPresets(
  defaults: { width: number; height: number },
  limits: SizeLimits = WAN_LIMITS,
): ResolutionPreset[] {
  const out: ResolutionPreset[] = [{ label: `${defaults.width}×${defaults.height} (model default)`, width: defaults.width, height: defaults.height }];
  const seen = new Set([`${defaults.width}x${defaults.height}`]);
  const area = defaults.width * defaults.height;
  for (const [scaleLabel, scale] of [['', 1], [' draft', 0.5]] as Array<[string, number]>) {
    for (const [name, aw, ah] of ASPECTS) {
      const unit = Math.sqrt((area * scale) / (aw * ah));
      const width = snapSide(unit * aw, limits);
      const height = snapSide(unit * ah, limits);
      const key = `${width}x${height}`;
      if (seen.has(key) || validateSize({ width, height, frames: 1 }, limits).length > 0) continue;
      seen.add(key);
      out.push({ label: `${width}×${height} ${name}${scaleLabel}`, width, height });
    }
  }
  return out;
}

/** Frame-count presets up to twice the model default, each 4n+1, with seconds at the model's fps. */
export function framePresets(defaultFrames: number, fps = 16, limits: SizeLimits = WAN_LIMITS): Array<{ label: string; frames: number }> {
  const max = Math.max(snapFrames(defaultFrames * 2, limits), 5);
  const candidates = new Set<number>([1, 5, 9, 17, 33, 49, 65, 81, 121, defaultFrames].map((f) => snapFrames(f, limits)));
  return [...candidates]
    .filter((f) => f <= max)
    .sort((a, b) => a - b)
    .map((frames) => ({
      frames,
      label: `${frames} frames${frames > 1 ? ` (${(frames / fps).toFixed(1)} s)` : ' (still)'}${frames === defaultFrames ? ' — default' : ''}`,
    }));
}

import { describe, expect, it } from 'vitest';
import { framePresets, limitsFor, resolutionPresets, snapFrames, snapSide, validateSize, WAN_LIMITS } from './sizes';

describe('size validation', () => {
  it('accepts valid Wan sizes', () => {
    expect(validateSize({ width: 832, height: 480, frames: 81 })).toEqual([]);
    expect(validateSize({ width: 128, height: 128, frames: 1 })).toEqual([]);
  });

  it('explains each invalid field with the nearest valid value', () => {
    const p = validateSize({ width: 830, height: 0, frames: 80 });
    expect(p.map((x) => x.field)).toEqual(['width', 'height', 'frames']);
    expect(p[0].message).toContain('832');
    expect(p[2].message).toContain('81');
    expect(validateSize({ width: 8208, height: 16, frames: 5 })[0].message).toContain('at most 8192');
    expect(validateSize({ width: 16, height: 16, frames: 4097 })[0].field).toBe('frames');
    expect(validateSize({ width: 16.5, height: 16, frames: 5 })[0].field).toBe('width');
  });

  it('snaps to the nearest valid value', () => {
    expect(snapSide(3)).toBe(16);
    expect(snapSide(470)).toBe(464);
    expect(snapSide(995)).toBe(992);
    expect(snapFrames(80)).toBe(81);
    expect(snapFrames(0)).toBe(1);
    expect(snapFrames(19)).toBe(21);
  });

  it('derives limits from the model geometry', () => {
    expect(limitsFor({ vae: { stride: [4, 8, 8] }, dit: { patch: [1, 2, 2] } })).toEqual(WAN_LIMITS);
  });
});

describe('presets', () => {
  it('gives only valid resolutions near the model area, default first', () => {
    const list = resolutionPresets({ width: 832, height: 480 });
    expect(list[0]).toMatchObject({ width: 832, height: 480 });
    for (const r of list) expect(validateSize({ width: r.width, height: r.height, frames: 1 })).toEqual([]);
    const square = list.find((r) => r.label.includes('1:1') && !r.label.includes('draft'))!;
    expect(Math.abs(square.width * square.height - 832 * 480) / (832 * 480)).toBeLessThan(0.1);
    expect(new Set(list.map((r) => `${r.width}x${r.height}`)).size).toBe(list.length);
  });

  it('gives 4n+1 frame counts up to twice the default', () => {
    const list = framePresets(17);
    expect(list.every((f) => (f.frames - 1) % 4 === 0)).toBe(true);
    expect(list.map((f) => f.frames)).toEqual([1, 5, 9, 17, 33]);
    expect(list.find((f) => f.frames === 17)!.label).toContain('default');
  });
});

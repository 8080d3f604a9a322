import { describe, expect, it } from 'vitest';
import { parseTimesteps } from './timesteps';

describe('timesteps', () => {
  it('parses decreasing integer lists', () => {
    expect(parseTimesteps('1000, 757, 522')).toEqual({ ok: true, values: [1000, 757, 522] });
    expect(parseTimesteps('1000 500')).toEqual({ ok: true, values: [1000, 500] });
  });
  it('rejects bad lists', () => {
    expect(parseTimesteps('')).toMatchObject({ ok: false });
    expect(parseTimesteps('1001')).toMatchObject({ ok: false });
    expect(parseTimesteps('500, 700')).toMatchObject({ ok: false, error: expect.stringContaining('decrease') });
    expect(parseTimesteps('7.5')).toMatchObject({ ok: false });
  });
});

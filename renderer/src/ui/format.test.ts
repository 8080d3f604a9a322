import { describe, expect, it } from 'vitest';
import { formatBytes, formatPercent, formatRate, formatSeconds } from './format';

describe('format', () => {
  it('formats bytes, seconds, rates', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3.5 * 1024 * 1024)).toBe('3.5 MB');
    expect(formatBytes(null)).toBe('—');
    expect(formatSeconds(4.25)).toBe('4.3 s');
    expect(formatSeconds(125)).toBe('2 min 05 s');
    expect(formatSeconds(-1)).toBe('—');
    expect(formatRate(2)).toBe('2.00 it/s');
    expect(formatRate(0.25)).toBe('4.00 s/it');
    expect(formatRate(0)).toBe('—');
    expect(formatPercent(0.913, 1)).toBe('91.3%');
  });
});

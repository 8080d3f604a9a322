import { describe, expect, it } from 'vitest';
import { shortcutFor } from './shortcuts';

const k = (key: string, m: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...m,
});

describe('shortcuts', () => {
  it('maps keys to actions', () => {
    expect(shortcutFor(k('Enter', { ctrlKey: true }))).toEqual({ kind: 'generate' });
    expect(shortcutFor(k('Enter', { metaKey: true }))).toEqual({ kind: 'generate' });
    expect(shortcutFor(k('Enter'))).toBeNull();
    expect(shortcutFor(k('4', { altKey: true }))).toEqual({ kind: 'go', surface: 'queue' });
    expect(shortcutFor(k('9', { altKey: true }))).toBeNull();
    expect(shortcutFor(k('P', { ctrlKey: true, shiftKey: true }))).toEqual({ kind: 'pauseQueue' });
  });
});

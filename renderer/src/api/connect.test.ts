import { describe, expect, it } from 'vitest';
import { findToken } from './connect';

describe('token discovery', () => {
  const storage = (v: string | null) => ({ getItem: () => v });
  it('prefers the fragment, then the query, then storage', () => {
    expect(findToken({ hash: '#token=abc', search: '?token=q' }, storage('s'))).toBe('abc');
    expect(findToken({ hash: '', search: '?token=q' }, storage('s'))).toBe('q');
    expect(findToken({ hash: '#other=1', search: '' }, storage('s'))).toBe('s');
    expect(findToken({ hash: '', search: '' }, null)).toBeNull();
  });
});

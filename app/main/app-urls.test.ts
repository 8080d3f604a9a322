import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { fileUrlFor, isAppUrl, pathFromAppFileUrl, rendererFile } from './app-urls.js';

describe('desktop URL schemes', () => {
  test('only our renderer URLs count as the app', () => {
    expect(isAppUrl('tessera://app/index.html')).toBe(true);
    expect(isAppUrl('tessera://app/#/queue')).toBe(true);
    for (const u of ['https://example.com', 'file:///etc/passwd', 'tessera://evil/index.html', 'tessera-file://local/x', 'nonsense']) {
      expect(isAppUrl(u), u).toBe(false);
    }
  });

  test('file URLs round-trip and refuse traversal', () => {
    const p = path.join(path.sep, 'home', 'me', 'out put', 'a#b?.mp4');
    const u = fileUrlFor(p);
    expect(u.startsWith('tessera-file://local/')).toBe(true);
    expect(pathFromAppFileUrl(u)).toBe(p);
    // Dot segments are resolved, never passed through; the caller's root check then decides.
    expect(pathFromAppFileUrl('tessera-file://local/home/%2E%2E/etc/passwd')).toBe(path.normalize('/etc/passwd'));
    expect(pathFromAppFileUrl('tessera-file://local/a/%2e%2E%2fb')).toBeNull();
    expect(pathFromAppFileUrl('tessera-file://other/etc/passwd')).toBeNull();
    expect(pathFromAppFileUrl('https://local/etc/passwd')).toBeNull();
  });

  test('renderer files stay inside the renderer folder', () => {
    const root = path.resolve('/srv/renderer');
    expect(rendererFile(root, 'tessera://app/assets/app.js')).toBe(path.join(root, 'assets/app.js'));
    expect(rendererFile(root, 'tessera://app/')).toBe(path.join(root, 'index.html'));
    expect(rendererFile(root, 'tessera://app/queue')).toBe(path.join(root, 'index.html'));
    expect(rendererFile(root, 'tessera://app/..%2F..%2Fetc%2Fpasswd')).toBeNull();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PathGuard, isInside } from './path-guard.js';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-guard-')));

describe('path confinement', () => {
  test('paths inside a root resolve; outside, relative and traversal are refused', () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
    const g = new PathGuard([{ path: root, label: 'data' }]);
    expect(g.resolve(path.join(root, 'a/b'))).toBe(path.join(root, 'a/b'));
    expect(g.resolve(path.join(root, 'new/file.mp4'))).toBe(path.join(root, 'new/file.mp4'));
    for (const bad of ['/etc/passwd', path.join(root, '../x'), path.join(root, 'a/../../etc'), 'relative/path', '', `${root}/\0x`]) {
      expect(() => g.resolve(bad), bad).toThrow(expect.objectContaining({ code: 'FORBIDDEN_PATH' }));
    }
    // A sibling whose name starts like the root is not inside it.
    expect(() => g.resolve(`${root}-evil/x`)).toThrow(expect.objectContaining({ code: 'FORBIDDEN_PATH' }));
  });

  test('a symlink that leads outside the root is refused, and hidden from listings', () => {
    const root = tmp();
    const outside = tmp();
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'x');
    fs.symlinkSync(outside, path.join(root, 'link'));
    fs.writeFileSync(path.join(root, 'ok.txt'), 'y');
    const g = new PathGuard([{ path: root, label: 'data' }]);
    expect(() => g.resolve(path.join(root, 'link/secret.txt'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN_PATH' }));
    const listing = g.listDir(root);
    expect(listing.entries.map((e) => e.name)).toEqual(['ok.txt']);
    expect(listing.parent).toBeNull();
  });

  test('picked folders become roots; listings go folders first', () => {
    const a = tmp();
    const b = tmp();
    fs.mkdirSync(path.join(b, 'zdir'));
    fs.writeFileSync(path.join(b, 'afile'), 'abc');
    const g = new PathGuard([{ path: a, label: 'a' }]);
    expect(() => g.listDir(b)).toThrow(expect.objectContaining({ code: 'FORBIDDEN_PATH' }));
    g.addRoot(b, 'picked');
    expect(g.listDir(b).entries).toEqual([
      { name: 'zdir', path: path.join(b, 'zdir'), isDir: true, sizeBytes: 0 },
      { name: 'afile', path: path.join(b, 'afile'), isDir: false, sizeBytes: 3 },
    ]);
    expect(g.listDir(path.join(b, 'zdir')).parent).toBe(b);
    expect(g.list().map((r) => r.label)).toEqual(['a', 'picked']);
  });

  test('isInside', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });
});

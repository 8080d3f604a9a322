// Path confinement: every path that comes from the UI must lie inside a root the app owns
// (data dir, outputs, models) or a folder the user picked through a dialog or the server's
// --root option. Symlinks are resolved before the check so a link cannot lead outside.
import fs from 'node:fs';
import path from 'node:path';
import type { DirListing, FolderRoot } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';

function realOrResolved(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    // Not existing yet: resolve the closest existing parent, keep the rest.
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    return path.join(realOrResolved(parent), path.basename(abs));
  }
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export class PathGuard {
  private readonly roots = new Map<string, FolderRoot>();

  constructor(roots: FolderRoot[] = []) {
    for (const r of roots) this.addRoot(r.path, r.label);
  }

  addRoot(dir: string, label: string): FolderRoot {
    const real = realOrResolved(dir);
    const root = { path: real, label };
    if (!this.roots.has(real)) this.roots.set(real, root);
    return this.roots.get(real)!;
  }

  list(): FolderRoot[] {
    return [...this.roots.values()];
  }

  /** The real path of `p` if it lies inside a root; FORBIDDEN_PATH otherwise. */
  resolve(p: string): string {
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) {
      throw new ApiError('FORBIDDEN_PATH', 'empty or invalid path');
    }
    if (!path.isAbsolute(p)) throw new ApiError('FORBIDDEN_PATH', `not an absolute path: ${p}`);
    const real = realOrResolved(p);
    for (const root of this.roots.keys()) if (isInside(root, real)) return real;
    throw new ApiError('FORBIDDEN_PATH', `${p} is outside the folders Tessera may use`);
  }

  rootOf(p: string): FolderRoot | null {
    const real = realOrResolved(p);
    let best: FolderRoot | null = null;
    for (const r of this.roots.values()) {
      if (isInside(r.path, real) && (!best || r.path.length > best.path.length)) best = r;
    }
    return best;
  }

  /** Folder listing for the headless folder picker (folders first, then files). */
  listDir(p: string): DirListing {
    const dir = this.resolve(p);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ApiError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `cannot list ${dir}: ${(e as Error).message}`);
    }
    const out: DirListing['entries'] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let size = 0;
      try {
        const st = fs.statSync(full);
        isDir = st.isDirectory();
        size = isDir ? 0 : st.size;
        this.resolve(full); // skip links that lead outside the roots
      } catch {
        continue;
      }
      out.push({ name: e.name, path: full, isDir, sizeBytes: size });
    }
    out.sort((a, b) => (a.isDir === b.isDir ? a.name.localeCompare(b.name) : a.isDir ? -1 : 1));
    const atRoot = this.roots.has(dir);
    return { path: dir, parent: atRoot ? null : path.dirname(dir), entries: out };
  }
}

// Where things are: the package root (for assets/ and renderer/dist, from source or from the
// compiled dist/ tree), and the per-user data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Walks up from `from` to the folder whose package.json is Tessera's. */
export function packageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'tessera') return dir;
      } catch { /* keep looking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(from, '../..');
    dir = up;
  }
}

export function packageVersion(root: string = packageRoot()): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** $TESSERA_DATA, else the platform's per-user application data folder. */
export function defaultDataDir(): string {
  if (process.env.TESSERA_DATA) return path.resolve(process.env.TESSERA_DATA);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Tessera');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Tessera');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'tessera');
}

/** The built-in demo model shipped in assets/, if present. */
export function builtinModelDir(root: string = packageRoot()): string | null {
  const dir = path.join(root, 'assets', 'demo-model');
  return fs.existsSync(dir) ? dir : null;
}

/** The built renderer, if present. */
export function rendererDist(root: string = packageRoot()): string | null {
  const dir = path.join(root, 'renderer', 'dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

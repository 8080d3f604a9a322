// The app version, from package.json (two or three levels up: app/cli or dist/app/cli).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

function readVersion(): string {
  let dir = resolve(__dirname);
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'tessera' && pkg.version) return pkg.version;
      } catch {
        // keep looking
      }
    }
    dir = resolve(dir, '..');
  }
  return '0.0.0';
}

export const VERSION = readVersion();

// Finds ffmpeg and ffprobe at run time: $FFMPEG_PATH / $FFPROBE_PATH, then the optional
// ffmpeg-static / ffprobe-static packages (binary present), then the PATH.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { MediaError } from './errors.js';

export type Tool = 'ffmpeg' | 'ffprobe';
export interface Located { path: string; source: 'env' | 'package' | 'path' | 'beside-ffmpeg' }

const ENV: Record<Tool, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };
const EXE = process.platform === 'win32' ? '.exe' : '';

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary of the optional static package, when it is installed and its binary was fetched. */
function fromPackage(tool: Tool): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(tool === 'ffmpeg' ? 'ffmpeg-static' : 'ffprobe-static') as unknown;
    const p = typeof mod === 'string' ? mod : (mod as { path?: unknown } | null)?.path;
    // Packaged Electron apps unpack binaries beside the asar.
    const fixed = typeof p === 'string' ? p.replace('app.asar', 'app.asar.unpacked') : null;
    return fixed && existsSync(fixed) ? fixed : null;
  } catch {
    return null;
  }
}

function fromPath(tool: Tool): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool + EXE);
    if (existsSync(p) && executable(p)) return p;
  }
  return null;
}

const cache = new Map<Tool, Located>();

export function locate(tool: Tool): Located {
  const hit = cache.get(tool);
  if (hit) return hit;
  const envVar = ENV[tool];
  const env = process.env[envVar];
  let found: Located | null = null;
  if (env) {
    if (!existsSync(env)) throw new MediaError('FFMPEG_NOT_FOUND', `${envVar}=${env}: no such file`);
    found = { path: env, source: 'env' };
  }
  if (!found) {
    const p = fromPackage(tool);
    if (p) found = { path: p, source: 'package' };
  }
  if (!found && tool === 'ffprobe' && process.env.FFMPEG_PATH) {
    // A custom ffmpeg usually has its ffprobe beside it.
    const beside = join(dirname(process.env.FFMPEG_PATH), 'ffprobe' + EXE);
    if (existsSync(beside)) found = { path: beside, source: 'beside-ffmpeg' };
  }
  if (!found) {
    const p = fromPath(tool);
    if (p) found = { path: p, source: 'path' };
  }
  if (!found) {
    throw new MediaError('FFMPEG_NOT_FOUND',
      `${tool} not found: set ${envVar}, install the ${tool}-static package, or put ${tool} on the PATH ` +
      `(Debian/Ubuntu: apt-get install ffmpeg)`);
  }
  cache.set(tool, found);
  return found;
}

/** Forget located binaries (tests that change the environment). */
export function resetLocateCache(): void {
  cache.clear();
}

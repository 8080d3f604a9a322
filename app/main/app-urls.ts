// The desktop app's own URL schemes (no Electron imports: unit-tested under Node).
//   tessera://app/...          the built renderer (CSP headers set by the handler)
//   tessera-file://local/...   output and preview files, confined to the core's allowed roots
import path from 'node:path';

export const APP_SCHEME = 'tessera';
export const APP_ORIGIN = 'tessera://app';
export const APP_URL = `${APP_ORIGIN}/index.html`;
export const FILE_SCHEME = 'tessera-file';

/** CSP of the desktop renderer: our own code only, media from our file scheme. */
export const RENDERER_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${FILE_SCHEME}:`, `media-src 'self' blob: ${FILE_SCHEME}:`, "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'",
].join('; ');

/** True for a URL of our renderer (the only page allowed to call the API or to be navigated to). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'app';
  } catch {
    return false;
  }
}

export function fileUrlFor(absPath: string): string {
  const posix = absPath.split(path.sep).join('/').replace(/^\/+/, '');
  return `${FILE_SCHEME}://local/${posix.split('/').map(encodeURIComponent).join('/')}`;
}

/** The absolute path a tessera-file URL names, or null. (Confinement is checked by the caller.) */
export function pathFromAppFileUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${FILE_SCHEME}:` || u.host !== 'local') return null;
  let segs: string[];
  try {
    segs = u.pathname.replace(/^\/+/, '').split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segs.some((s) => s === '..' || s.includes('\0') || s.includes('/') || s.includes('\\'))) return null;
  const joined = segs.join('/');
  return process.platform === 'win32' ? path.normalize(joined) : path.normalize(`/${joined}`);
}

/** Renderer file for a tessera://app URL, confined to the renderer folder (null if outside). */
export function rendererFile(rendererDir: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return null;
  }
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) return null;
  return path.extname(file) ? file : path.join(root, 'index.html');
}

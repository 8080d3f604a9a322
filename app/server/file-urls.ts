// URLs of local files for the browser: /files/<absolute path, segments URI-encoded>. The server
// resolves them back and serves only files inside the core's allowed roots.
import path from 'node:path';
import { FILES_PREFIX } from '../contract/wire.js';

export function fileUrlPath(absPath: string): string {
  const posix = absPath.split(path.sep).join('/').replace(/^\/+/, '');
  return FILES_PREFIX + posix.split('/').map(encodeURIComponent).join('/');
}

/** The absolute path a /files/ URL names, or null when it is not one. */
export function pathFromFileUrl(urlPath: string): string | null {
  if (!urlPath.startsWith(FILES_PREFIX)) return null;
  let segs: string[];
  try {
    segs = urlPath.slice(FILES_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segs.some((s) => s === '..' || s.includes('\0') || s.includes('/') || s.includes('\\'))) return null;
  const joined = segs.join('/');
  return process.platform === 'win32' ? path.normalize(joined) : path.normalize(`/${joined}`);
}

// Handlers of the app's schemes: tessera://app serves the built renderer with the CSP;
// tessera-file://local serves output and preview files inside the allowed roots (with Range,
// which <video> needs to seek).
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import type { PathGuard } from '../core/files/path-guard.js';
import { contentType } from '../server/static-files.js';
import { APP_SCHEME, FILE_SCHEME, pathFromAppFileUrl, RENDERER_CSP, rendererFile } from './app-urls.js';

/** Must run before app 'ready'. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    { scheme: FILE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
};

function fileResponse(file: string, range: string | null, extra: Record<string, string>): Response {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return new Response('not found', { status: 404 });
  }
  if (!st.isFile()) return new Response('not found', { status: 404 });
  const headers: Record<string, string> = { ...extra, 'content-type': contentType(file), 'accept-ranges': 'bytes' };
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (m && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '') start = Math.max(0, st.size - Number(m[2]));
    else {
      start = Number(m[1]);
      if (m[2] !== '') end = Math.min(end, Number(m[2]));
    }
    if (start > end || start >= st.size) {
      return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${st.size}` } });
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['content-length'] = String(end - start + 1);
  const body = st.size === 0 ? null : (Readable.toWeb(fs.createReadStream(file, { start, end })) as unknown as ReadableStream);
  return new Response(body, { status, headers });
}

export function handleSchemes(rendererDir: string | null, guard: PathGuard): void {
  protocol.handle(APP_SCHEME, (req) => {
    if (!rendererDir) {
      return new Response('<!doctype html><meta charset="utf-8"><title>Tessera</title><p>The interface is not built (npm run build:renderer).',
        { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': RENDERER_CSP } });
    }
    const file = rendererFile(rendererDir, req.url);
    if (!file) return new Response('forbidden', { status: 403 });
    return fileResponse(file, null, { ...SECURITY, 'content-security-policy': RENDERER_CSP });
  });
  protocol.handle(FILE_SCHEME, (req) => {
    const p = pathFromAppFileUrl(req.url);
    if (!p) return new Response('bad file URL', { status: 400 });
    let real: string;
    try {
      real = guard.resolve(p);
    } catch {
      return new Response('forbidden', { status: 403 });
    }
    return fileResponse(real, req.headers.get('range'), SECURITY);
  });
}

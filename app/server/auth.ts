// The server's access token: random, required on every request (Authorization: Bearer, the
// tessera_token cookie, or ?token=), printed once and stored in a file only the user can read.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';

export const COOKIE = 'tessera_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes the token with mode 0600 (replacing any older file, whose mode we do not trust). */
export function writeTokenFile(file: string, token: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${token}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** The token a request carries, and how. */
export function requestToken(req: IncomingMessage, url: URL): { token: string; via: 'header' | 'cookie' | 'query' } | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'header' };
  const q = url.searchParams.get('token');
  if (q) return { token: q, via: 'query' };
  const c = cookieToken(req);
  if (c) return { token: c, via: 'cookie' };
  return null;
}

export function sessionCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

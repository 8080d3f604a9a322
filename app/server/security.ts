// Headers and request checks of the headless server: a strict CSP for the renderer, Host and
// Origin checks against DNS rebinding and cross-site WebSocket use.
import type { IncomingMessage } from 'node:http';

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Host header values we answer to; null = any (bound to all interfaces, the token guards). */
export function allowedHosts(bindHost: string, port: number): Set<string> | null {
  if (bindHost === '0.0.0.0' || bindHost === '::') return null;
  const names = isLoopback(bindHost) ? ['127.0.0.1', 'localhost', '[::1]', bindHost] : [bindHost];
  return new Set(names.map((n) => `${n.includes(':') && !n.startsWith('[') ? `[${n}]` : n}:${port}`));
}

export function hostAllowed(req: IncomingMessage, allowed: Set<string> | null): boolean {
  if (!allowed) return true;
  const host = (req.headers.host ?? '').toLowerCase();
  return allowed.has(host);
}

/** A browser's Origin must be this server itself (absent for non-browser clients). */
export function originAllowed(req: IncomingMessage, allowed: Set<string> | null): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (allowed) return allowed.has(u.host.toLowerCase());
  return u.host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
}

export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
      "media-src 'self' blob:", "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'",
      "frame-ancestors 'none'", "form-action 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

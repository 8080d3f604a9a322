// The headless server: the contract over HTTP (POST /api/call/<method>) and WebSocket
// (/api/ws), the built renderer, and output/preview files. Every request needs the token;
// the first page load with ?token= sets an HttpOnly cookie and redirects to /#token=, so the
// page's own requests (assets, <video src>, the WebSocket) carry it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Handlers } from '../contract/api.js';
import type { ApiErrorCode } from '../contract/errors.js';
import type { EventName, Events } from '../contract/events.js';
import { ClientMessageSchema, HTTP_CALL_PREFIX, PROTOCOL_VERSION, type ServerMessage, WS_PATH } from '../contract/wire.js';
import { dispatch } from '../core/api/dispatch.js';
import type { CallContext } from '../core/api/handlers.js';
import type { EventBus } from '../core/event-bus.js';
import type { PathGuard } from '../core/files/path-guard.js';
import type { SourceLogger } from '../core/logs/logger.js';
import { requestToken, sameToken, sessionCookie } from './auth.js';
import { pathFromFileUrl } from './file-urls.js';
import { allowedHosts, hostAllowed, originAllowed, securityHeaders } from './security.js';
import { sendFile } from './static-files.js';

export interface ServerOptions {
  handlers: Handlers<CallContext>;
  events: EventBus;
  guard: PathGuard;
  token: string;
  host?: string;
  port?: number;
  /** Built renderer (renderer/dist); null serves a short notice instead. */
  rendererDir?: string | null;
  log: SourceLogger;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;
/** A client this far behind stops getting progress events until it catches up. */
const SLOW_CLIENT_BYTES = 16 * 1024 * 1024;

const STATUS: Partial<Record<ApiErrorCode, number>> = {
  BAD_REQUEST: 400, UNKNOWN_METHOD: 404, UNAUTHORIZED: 401, FORBIDDEN_PATH: 403, NOT_FOUND: 404, CONFLICT: 409,
  INVALID_ARGUMENT: 422, INVALID_SIZE: 422, INVALID_MODEL: 422, CANCELLED: 409,
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const bindHost = o.host ?? '127.0.0.1';
  let allowed: Set<string> | null = null;
  const sec = securityHeaders();
  const clients = new Set<WebSocket>();

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...sec, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const deny = (res: ServerResponse, status: number, code: ApiErrorCode, message: string) =>
    json(res, status, { ok: false, error: { code, message } });

  const authorized = (req: IncomingMessage, url: URL) => {
    const t = requestToken(req, url);
    return t !== null && sameToken(t.token, o.token) ? t : null;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req, allowed)) return deny(res, 421, 'UNAUTHORIZED', 'unexpected Host header');
    const auth = authorized(req, url);
    if (!auth) {
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
        res.writeHead(401, { ...sec, 'content-type': 'text/plain; charset=utf-8' });
        res.end('Tessera: open the URL that `tessera serve` printed (it carries the access token).\n');
        return;
      }
      return deny(res, 401, 'UNAUTHORIZED', 'missing or wrong token');
    }

    if (url.pathname.startsWith(HTTP_CALL_PREFIX)) {
      if (req.method !== 'POST') return deny(res, 405, 'BAD_REQUEST', 'use POST');
      if (!originAllowed(req, allowed)) return deny(res, 403, 'UNAUTHORIZED', 'cross-origin request refused');
      let params: unknown = {};
      try {
        const body = await readBody(req);
        params = body.trim() ? JSON.parse(body) : {};
      } catch (e) {
        return deny(res, 400, 'BAD_REQUEST', `bad JSON body: ${(e as Error).message}`);
      }
      const method = decodeURIComponent(url.pathname.slice(HTTP_CALL_PREFIX.length));
      const reply = await dispatch(o.handlers, method, params, { transport: 'http' },
        (m, e) => o.log.error(`${m} failed: ${(e as Error)?.stack ?? String(e)}`));
      return json(res, reply.ok ? 200 : STATUS[reply.error.code] ?? 500, reply);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'BAD_REQUEST', 'method not allowed');

    // First page load with ?token=: set the cookie, move the token to the fragment.
    if (auth.via === 'query' && (url.pathname === '/' || url.pathname === '/index.html')) {
      res.writeHead(303, { ...sec, 'set-cookie': sessionCookie(o.token), location: `/#token=${encodeURIComponent(o.token)}` });
      res.end();
      return;
    }

    const filePath = pathFromFileUrl(url.pathname);
    if (filePath !== null) {
      let real: string;
      try {
        real = o.guard.resolve(filePath);
      } catch {
        return deny(res, 403, 'FORBIDDEN_PATH', 'outside the folders Tessera serves');
      }
      return sendFile(req, res, real, { ...sec, 'cache-control': 'no-cache' });
    }

    if (!o.rendererDir) {
      res.writeHead(200, { ...sec, 'content-type': 'text/plain; charset=utf-8' });
      res.end('Tessera server is running; the renderer is not built (npm run build:renderer).\n');
      return;
    }
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(o.rendererDir, rel);
    if (!file.startsWith(path.resolve(o.rendererDir) + path.sep)) return deny(res, 403, 'FORBIDDEN_PATH', 'bad path');
    const index = path.join(o.rendererDir, 'index.html');
    const target = path.extname(file) ? file : index; // client-side routes fall back to index.html
    return sendFile(req, res, target, { ...sec, 'cache-control': target === index ? 'no-cache' : 'max-age=3600' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.log.error(`request ${req.url} failed: ${(e as Error).message}`);
      if (!res.headersSent) deny(res, 500, 'INTERNAL', 'internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== WS_PATH) return reject(404, 'Not Found');
    if (!hostAllowed(req, allowed) || !originAllowed(req, allowed)) return reject(403, 'Forbidden');
    if (!authorized(req, url)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    const send = (m: ServerMessage) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m)); };
    send({ type: 'hello', protocol: PROTOCOL_VERSION, mode: 'headless' });
    ws.on('message', (data) => {
      let msg;
      try {
        msg = ClientMessageSchema.safeParse(JSON.parse(data.toString()));
      } catch {
        msg = null;
      }
      if (!msg?.success) {
        ws.close(1003, 'malformed message');
        return;
      }
      const { id, method, params } = msg.data;
      void dispatch(o.handlers, method, params, { transport: 'ws' },
        (m, e) => o.log.error(`${m} failed: ${(e as Error)?.stack ?? String(e)}`))
        .then((reply) => send({ type: 'result', id, ...reply }));
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });

  const offEvents = o.events.onAny(<E extends EventName>(event: E, payload: Events[E]) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ type: 'event', event, payload } satisfies ServerMessage);
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (event === 'job.progress' && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue;
      ws.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(bindHost, port);
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;

  return {
    url: `http://${shownHost}:${port}/`,
    port,
    host: bindHost,
    close: () => new Promise<void>((resolve) => {
      offEvents();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// Starts the real `tessera serve` (the built CLI, the real engine process on the CPU with the
// built-in demo model) on a free port with its own data folder, and finds its token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let serial = 0;

/**
 * Runs `node bin/tessera.js serve --port P --data DIR`. Resolves once the server prints its URL
 * (which carries the token); the token file is the fallback.
 */
export async function startServer({ root, dataDir, port, artifacts, extraArgs = [] }) {
  const n = ++serial;
  const logFile = path.join(artifacts, `server-${n}.log`);
  const out = fs.createWriteStream(logFile);
  const args = [path.join(root, 'bin', 'tessera.js'), 'serve', '--port', String(port), '--data', dataDir, ...extraArgs];
  // Own process group, so a "crash" takes the engine child down with the server, like a power cut.
  const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, TESSERA_E2E: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  const onData = (d) => {
    text += d.toString();
    out.write(d);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  const deadline = Date.now() + 90_000;
  let url = null;
  while (!url) {
    const m = /(https?:\/\/[^\s'"]+[?&#]token=[A-Za-z0-9_\-.~%]+)/.exec(text);
    if (m) url = m[1];
    else if (fs.existsSync(path.join(dataDir, 'server-token')) && /listening/i.test(text)) {
      const token = fs.readFileSync(path.join(dataDir, 'server-token'), 'utf8').trim();
      url = `http://127.0.0.1:${port}/?token=${token}`;
    }
    if (url) break;
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`tessera serve exited early (${proc.exitCode ?? proc.signalCode}); log: ${logFile}\n${text.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`tessera serve did not print its URL within 90 s; log: ${logFile}\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = new URL(url.replace('#', '?')).searchParams.get('token');
  const origin = `http://127.0.0.1:${port}`;
  return {
    url,
    origin,
    token,
    proc,
    logFile,
    output: () => text,
    /** Crash-like stop: SIGKILL, nothing gets to clean up. */
    async kill() {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        proc.kill('SIGKILL');
      }
      await exited;
      out.end();
    },
    /** Orderly stop (SIGTERM, then SIGKILL after 15 s). */
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 15_000);
      await exited;
      clearTimeout(t);
      out.end();
    },
    /** A contract method over HTTP (POST /api/call/<method>), for checks the UI does not show. */
    async call(method, params = {}) {
      const res = await fetch(`${origin}/api/call/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      const reply = await res.json();
      if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
      return reply.result;
    },
  };
}

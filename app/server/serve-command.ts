// `tessera serve`: runs the headless server until Ctrl-C.
import path from 'node:path';
import { int, parseArgs, str, UsageError } from '../cli/args.js';
import type { CliIO, Command } from '../cli/io.js';
import { defaultMedia } from '../core/export/default-media.js';
import { demoModelDir } from '../engine/demo-model.js';
import { defaultForkLauncher } from '../host/default-launcher.js';
import { serve } from './serve.js';

const USAGE = `usage: tessera serve [--port N] [--host ADDR] [--data DIR] [--root DIR]... [--renderer DIR] [--verbose]

Runs Tessera headless: the engine, the job queue and an HTTP + WebSocket API (the one the desktop
UI speaks), serving the UI itself at the printed URL. Every request needs the access token in that
URL; it is also written to DATA/server-token, readable only by you.

  --port N        port (default 7860; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)
  --data DIR      data folder: database, outputs, models, logs (default: $TESSERA_DATA or the
                  per-user application data folder)
  --root DIR      a folder the UI may browse and import models from (repeatable)
  --renderer DIR  the built UI (default renderer/dist of this install)
  --verbose       mirror the log to stderr`;

export const serveCommand: Command = {
  summary: 'run the headless server (HTTP + WebSocket API and the UI)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const p = parseArgs(argv, {
      port: {}, host: {}, data: {}, root: { repeat: true }, renderer: {}, verbose: { flag: true }, help: { flag: true },
    });
    if (p.flags.has('help')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const port = int(p, 'port', 0, 65535) ?? 7860;
    const host = str(p, 'host') ?? '127.0.0.1';
    let builtin: string | null = null;
    try {
      builtin = demoModelDir();
    } catch (e) {
      io.stderr.write(`tessera serve: ${(e as Error).message}\n`);
    }
    const data = str(p, 'data');
    const renderer = str(p, 'renderer');
    let s;
    try {
      s = await serve({
        port, host, launcher: defaultForkLauncher(), media: defaultMedia, builtinModelDir: builtin,
        roots: (p.options.get('root') ?? []).map((r) => path.resolve(r)), echoLog: p.flags.has('verbose'),
        ...(data ? { dataDir: data } : {}), ...(renderer ? { rendererDir: path.resolve(renderer) } : {}),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use (pick another with --port, or --port 0)`);
      if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot bind to ${host}`);
      throw e;
    }
    io.stdout.write(`Tessera is serving on ${s.server.url}?token=${s.token}\n`);
    io.stdout.write(`data: ${s.core.dataDir}\ntoken file: ${s.tokenFile}\n`);
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      io.stderr.write(`warning: bound to ${host}: anyone who can reach this address and has the token controls the engine\n`);
    }
    await new Promise<void>((resolve) => {
      if (!io.signal) return; // tests stop the server through the returned handle
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    io.stderr.write('\ntessera serve: stopping\n');
    await s.stop();
    return 0;
  },
};

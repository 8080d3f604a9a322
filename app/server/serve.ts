// `tessera serve`: the core services, the engine process and the HTTP/WebSocket server in one
// headless process. The token is printed once and written to <data>/server-token (mode 0600).
import path from 'node:path';
import { AppCore } from '../core/app-core.js';
import { builtinModelDir, defaultDataDir, packageRoot, packageVersion, rendererDist } from '../core/app-paths.js';
import { createHandlers } from '../core/api/handlers.js';
import type { MediaPort } from '../core/export/media-port.js';
import { EngineHost } from '../host/engine-host.js';
import type { ChildLauncher } from '../host/launcher.js';
import { newToken, writeTokenFile } from './auth.js';
import { fileUrlPath } from './file-urls.js';
import { startServer, type RunningServer } from './server.js';

export interface ServeOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  /** Extra folders the UI may browse and import from. */
  roots?: string[];
  rendererDir?: string | null;
  builtinModelDir?: string | null;
  /** The engine process; default: fork of the compiled child-main.js. */
  launcher?: ChildLauncher;
  media: MediaPort;
  /** Mirror the log to stderr. */
  echoLog?: boolean;
  /** Override the random token (tests). */
  token?: string;
}

export interface Serving {
  core: AppCore;
  host: EngineHost;
  server: RunningServer;
  token: string;
  tokenFile: string;
  /** Stops the server, the queue and the engine; the data stays consistent. */
  stop(): Promise<void>;
}

export async function serve(o: ServeOptions & { launcher: ChildLauncher }): Promise<Serving> {
  const root = packageRoot();
  const dataDir = path.resolve(o.dataDir ?? defaultDataDir());
  const token = o.token ?? newToken();
  const tokenFile = path.join(dataDir, 'server-token');

  const host = new EngineHost({ launcher: o.launcher });
  const core = new AppCore({
    dataDir, mode: 'headless', version: packageVersion(root), engine: host, media: o.media,
    fileUrl: (p) => fileUrlPath(p),
    builtinModelDir: o.builtinModelDir === undefined ? builtinModelDir(root) : o.builtinModelDir,
    extraRoots: o.roots ?? [], logEcho: o.echoLog ?? false,
  });
  const log = core.log.child('server');
  host.setOptions(core.engineOptions());
  host.setLog(core.log.child('engine'));
  host.start();
  await core.start();
  const server = await startServer({
    handlers: createHandlers(core), events: core.events, guard: core.guard, token,
    host: o.host ?? '127.0.0.1', port: o.port ?? 7860,
    rendererDir: o.rendererDir === undefined ? rendererDist(root) : o.rendererDir, log,
  });
  writeTokenFile(tokenFile, token);
  log.info(`listening on ${server.url}`);
  return {
    core, host, server, token, tokenFile,
    async stop() {
      await server.close();
      await core.close();
      await host.dispose();
    },
  };
}

// Test-only: an AppCore on a temp data dir with the fake engine process and raw media.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineHost } from '../../host/engine-host.js';
import type { ChildLauncher } from '../../host/launcher.js';
import { fakeLauncher } from '../../host/test/fake-launcher.js';
import { AppCore } from '../app-core.js';
import type { MediaPort } from '../export/media-port.js';
import { RawMedia } from './raw-media.js';

export function tempDir(prefix = 'tsr-core-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A folder that passes the official-layout check (the fake engine loads any folder). */
export function fakeModelFolder(dir: string): string {
  fs.mkdirSync(path.join(dir, 'google/umt5-xxl'), { recursive: true });
  for (const f of ['config.json', 'diffusion_pytorch_model.safetensors', 'Wan2.1_VAE.pth',
    'models_t5_umt5-xxl-enc-bf16.pth', 'google/umt5-xxl/tokenizer.json']) {
    fs.writeFileSync(path.join(dir, f), '{}');
  }
  return dir;
}

export interface TestCore {
  core: AppCore;
  host: EngineHost;
  media: MediaPort;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestCore(opts: {
  dataDir?: string; stepMs?: number; media?: MediaPort; builtin?: boolean; launcher?: ChildLauncher;
} = {}): Promise<TestCore> {
  const dataDir = opts.dataDir ?? tempDir();
  const host = new EngineHost({ launcher: opts.launcher ?? fakeLauncher({ FAKE_STEP_MS: String(opts.stepMs ?? 20) }), backoffMs: [50] });
  host.start();
  const media = opts.media ?? new RawMedia();
  const builtinDir = opts.builtin === false ? null : fakeModelFolder(path.join(dataDir, 'builtin-model'));
  const core = new AppCore({
    dataDir, mode: 'headless', version: 'test', engine: host, media,
    fileUrl: (p) => pathToFileURL(p).toString(), builtinModelDir: builtinDir,
  });
  await core.start();
  return {
    core, host, media, dataDir,
    async close() {
      await core.close();
      await host.dispose();
    },
  };
}

import type { MethodName, MethodParams, MethodResult } from '../../contract/api.js';
import type { EventName, Events } from '../../contract/events.js';
import { ApiError } from '../../contract/errors.js';
import { createHandlers } from '../api/handlers.js';
import { dispatch } from '../api/dispatch.js';

/** Calls the API the way the transports do (validation included); throws ApiError on failure. */
export function apiOf(core: AppCore) {
  const handlers = createHandlers(core);
  return async <K extends MethodName>(method: K, params?: MethodParams<K>): Promise<MethodResult<K>> => {
    const r = await dispatch(handlers, method, params ?? {}, { transport: 'ipc' as const });
    if (!r.ok) throw ApiError.from(r.error);
    return r.result as MethodResult<K>;
  };
}

/** Resolves with the first event payload that matches. */
export function nextEvent<E extends EventName>(core: AppCore, event: E, match: (p: Events[E]) => boolean = () => true,
  timeoutMs = 20000): Promise<Events[E]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { off(); reject(new Error(`no ${event} event within ${timeoutMs} ms`)); }, timeoutMs);
    const off = core.events.on(event, (p) => {
      if (match(p)) { clearTimeout(t); off(); resolve(p); }
    });
  });
}

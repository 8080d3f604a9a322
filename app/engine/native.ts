// Loads the native addon (native/binding, built by cmake-js) and explains every way that can fail:
// missing file, a build for another platform or Node ABI, a missing shared library, a stale build.
// Tried in order: $TESSERA_ADDON, the packaged location (Electron resources, unpacked from the
// asar), then the build folders of a source checkout.
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EngineError } from './errors.js';

/** The addon's API version this wrapper speaks (TSR_API_VERSION in tessera.h). */
export const EXPECTED_API_VERSION = 1;

export interface NativeCancelToken {
  cancel(): void;
  readonly cancelled: boolean;
}

export type NativeProgressFn = (p: unknown) => void;

export interface NativeModel {
  info(): unknown;
  generate(params: object, onProgress?: NativeProgressFn, token?: NativeCancelToken): Promise<unknown>;
  estimateMemory(params: object): unknown;
  attentionMap(params: object, request: object, onProgress?: NativeProgressFn, token?: NativeCancelToken): Promise<unknown>;
  calibrate(params: object, request: object, onProgress?: NativeProgressFn, token?: NativeCancelToken): Promise<unknown>;
  dispose(): void;
}

export interface NativeEngine {
  info(): unknown;
  loadModel(dir: string, opts?: object): Promise<NativeModel>;
  verifyFixture(ioPath: string): Promise<unknown[]>;
  dispose(): void;
}

export interface NativeAddon {
  apiVersion: number;
  createEngine(opts?: object): Promise<NativeEngine>;
  codeName(code: number): string;
  CancelToken: new () => NativeCancelToken;
}

/** Source checkout: the repository root is two levels above app/engine (and three above dist/app/engine). */
function repoRoots(): string[] {
  const roots = new Set<string>();
  let dir = resolve(__dirname);
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'native', 'CMakeLists.txt')) || existsSync(join(dir, 'native', 'build'))) roots.add(dir);
    dir = dirname(dir);
  }
  return [...roots];
}

export function addonCandidates(): string[] {
  const out: string[] = [];
  if (process.env.TESSERA_ADDON) out.push(resolve(process.env.TESSERA_ADDON));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) {
    out.push(join(resources, 'app.asar.unpacked', 'native', 'build', 'Release', 'tessera.node'));
    out.push(join(resources, 'native', 'tessera.node'));
  }
  for (const root of repoRoots()) {
    out.push(join(root, 'native', 'build', 'Release', 'tessera.node'));
    out.push(join(root, 'native', 'build', 'Debug', 'tessera.node'));
  }
  return [...new Set(out)];
}

/** Turns a dlopen error into a sentence that says what to do. */
export function explainLoadError(path: string, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (!existsSync(path)) {
    return `${path}: not found (build it with \`npm run build:native\`)`;
  }
  const lib = /([^\s:]+\.so[.\d]*): cannot open shared object file/.exec(msg);
  if (lib) {
    const cuda = /cuda|cublas|nvrtc/i.test(lib[1]!);
    return `${path}: a library it needs is missing: ${lib[1]}` +
      (cuda ? ' (install the NVIDIA driver / CUDA runtime, or rebuild without CUDA: TESSERA_CUDA=OFF)' :
        ' (install it, or rebuild the addon on this machine)');
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(msg)) {
    return `${path}: built for another Node.js/Electron ABI (rebuild it: \`npm run build:native\`, or @electron/rebuild for Electron): ${msg}`;
  }
  if (/invalid ELF header|wrong ELF class|not a valid Win32 application|mach-o, but wrong architecture|incompatible architecture/.test(msg)) {
    return `${path}: built for another platform or CPU architecture (rebuild it on this machine): ${msg}`;
  }
  if (/file too short|not in executable format|ELF load command/.test(msg)) {
    return `${path}: not a valid library (truncated or corrupt file; rebuild it: \`npm run build:native\`): ${msg}`;
  }
  if (/undefined symbol|symbol not found/i.test(msg)) {
    return `${path}: incomplete or stale build, a symbol is missing (rebuild: \`npm run build:native\`): ${msg}`;
  }
  if (code === 'EACCES' || /permission denied/i.test(msg)) {
    return `${path}: permission denied: ${msg}`;
  }
  return `${path}: ${msg}`;
}

let cached: NativeAddon | null = null;

/** Loads the addon once; throws EngineError ADDON_LOAD_FAILED explaining each location tried. */
export function loadNative(candidates: string[] = addonCandidates()): NativeAddon {
  if (cached) return cached;
  const reasons: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      reasons.push(explainLoadError(path, new Error('not found')));
      continue;
    }
    const mod = { exports: {} as Record<string, unknown> };
    try {
      // RTLD_NOW: a missing engine symbol fails here, explained, instead of killing the process
      // at the first call.
      process.dlopen(mod, path, osConstants.dlopen.RTLD_NOW);
    } catch (err) {
      reasons.push(explainLoadError(path, err));
      continue;
    }
    const addon = mod.exports as unknown as NativeAddon;
    if (addon.apiVersion !== EXPECTED_API_VERSION) {
      reasons.push(`${path}: engine API version ${String(addon.apiVersion)}, this app needs ${EXPECTED_API_VERSION} (rebuild the addon)`);
      continue;
    }
    cached = addon;
    return addon;
  }
  throw new EngineError('ADDON_LOAD_FAILED',
    `the native engine could not be loaded:\n  ${reasons.length ? reasons.join('\n  ') : 'no location to try'}`);
}

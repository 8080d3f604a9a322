// Messages between the engine host (app process) and the engine process. The same objects go
// through child_process.fork (serialization 'advanced') and Electron's utilityProcess
// (structured clone), so typed arrays (video, preview frames) cross without copying to JSON.
import type {
  AttnMap, AttnMapRequest, Calibration, CalibrationRequest, EngineErrorCode, EngineInfo, EngineOptions,
  GenerateParams, MemoryEstimate, ModelInfo, Progress, Video,
} from '../engine/types.js';

export interface HostEngineOptions extends EngineOptions {
  /** Keep the text encoder loaded between generations. */
  keepTextEncoder?: boolean;
}

export interface Ops {
  modelInfo: { args: { dir: string }; result: ModelInfo };
  estimateMemory: { args: { dir: string; params: GenerateParams }; result: MemoryEstimate };
  generate: { args: { dir: string; params: GenerateParams }; result: Video };
  attentionMap: { args: { dir: string; params: GenerateParams; request: AttnMapRequest }; result: AttnMap };
  calibrate: { args: { dir: string; params: GenerateParams; request: CalibrationRequest }; result: Calibration };
}
export type OpName = keyof Ops;

export interface WireError {
  code: EngineErrorCode;
  message: string;
}

export type ParentMessage =
  | { t: 'init'; options: HostEngineOptions }
  | { [K in OpName]: { t: 'call'; id: number; op: K; args: Ops[K]['args'] } }[OpName]
  | { t: 'cancel'; id: number };

export type ChildMessage =
  | { t: 'ready'; info: EngineInfo }
  | { t: 'initFailed'; error: WireError }
  | { t: 'progress'; id: number; progress: Progress }
  | { t: 'result'; id: number; ok: true; value: Ops[OpName]['result'] }
  | { t: 'result'; id: number; ok: false; error: WireError }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** Ops that may run while another op holds the engine (they read the loaded model only). */
export const lightOps: ReadonlySet<OpName> = new Set(['modelInfo', 'estimateMemory']);

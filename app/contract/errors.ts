// Errors as every transport carries them: a stable code string and a message. The codes of
// the engine (app/engine/types.ts) pass through unchanged so the UI can say exactly what failed.
import type { EngineErrorCode } from '../engine/types.js';

export type ApiErrorCode =
  | EngineErrorCode
  /** The request's params failed validation (details holds the issues). */
  | 'BAD_REQUEST'
  /** Unknown method name. */
  | 'UNKNOWN_METHOD'
  /** Missing or wrong token (server), or a sender that is not our renderer (Electron). */
  | 'UNAUTHORIZED'
  /** A path outside the folders the app may touch. */
  | 'FORBIDDEN_PATH'
  /** The request conflicts with the current state (e.g. removing a running job). */
  | 'CONFLICT'
  /** A downloaded file's sha256 differs from the expected one. */
  | 'CHECKSUM_MISMATCH'
  /** An HTTP download failed (status, network, size). */
  | 'DOWNLOAD_FAILED'
  /** The folder is not a Wan2.1 model in a layout we know. */
  | 'INVALID_MODEL'
  /** ffmpeg missing or failed while exporting. */
  | 'EXPORT_FAILED'
  /** The transport lost its connection before the answer came. */
  | 'DISCONNECTED';

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** JSON-safe extra information, e.g. validation issues. */
  details?: unknown;
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: ApiErrorCode;
  readonly details?: unknown;

  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static from(shape: ApiErrorShape): ApiError {
    return new ApiError(shape.code, shape.message, shape.details);
  }
}

export function isApiErrorShape(v: unknown): v is ApiErrorShape {
  return typeof v === 'object' && v !== null && typeof (v as ApiErrorShape).code === 'string' &&
    typeof (v as ApiErrorShape).message === 'string';
}

/** Normalises whatever a transport rejected with (ApiError, a plain shape from the Electron
 *  bridge, any other error) into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isApiErrorShape(e)) return ApiError.from(e);
  if (e instanceof Error) return new ApiError('INTERNAL', e.message);
  return new ApiError('INTERNAL', String(e));
}

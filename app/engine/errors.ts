// EngineError: the one error type the app sees from the engine. The native addon rejects with
// plain Error objects carrying `code` (tsr_code_name); toEngineError turns those, and anything
// else thrown on the way, into an EngineError with a stable code.
import type { EngineErrorCode } from './types.js';

const CODES: ReadonlySet<string> = new Set<EngineErrorCode>([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'IO_ERROR', 'CORRUPT_FILE', 'UNSUPPORTED_DTYPE', 'SHAPE_MISMATCH',
  'MISSING_KEY', 'UNEXPECTED_KEY', 'INVALID_SIZE', 'OUT_OF_MEMORY', 'CANCELLED', 'BACKEND_ERROR',
  'UNSUPPORTED', 'INTERNAL', 'ADDON_LOAD_FAILED', 'TOKENIZER_ERROR', 'ENGINE_CRASHED',
]);

export function isEngineErrorCode(code: unknown): code is EngineErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
  }

  /** Plain object for IPC / JSON transports, where class identity is lost. */
  toJSON(): { name: string; code: EngineErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Wraps whatever was thrown into an EngineError; `fallback` is the code for unknown errors. */
export function toEngineError(err: unknown, fallback: EngineErrorCode = 'INTERNAL'): EngineError {
  if (err instanceof EngineError) return err;
  if (err !== null && typeof err === 'object') {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message.length > 0 ? message : String(err);
    if (isEngineErrorCode(code)) return new EngineError(code, text, { cause: err });
    return new EngineError(fallback, text, { cause: err });
  }
  return new EngineError(fallback, String(err));
}

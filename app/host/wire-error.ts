// Errors as they cross the process boundary: the engine's stable code and its message.
import type { EngineErrorCode } from '../engine/types.js';
import type { WireError } from './protocol.js';

const ENGINE_CODES: ReadonlySet<string> = new Set<EngineErrorCode>([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'IO_ERROR', 'CORRUPT_FILE', 'UNSUPPORTED_DTYPE', 'SHAPE_MISMATCH',
  'MISSING_KEY', 'UNEXPECTED_KEY', 'INVALID_SIZE', 'OUT_OF_MEMORY', 'CANCELLED', 'BACKEND_ERROR',
  'UNSUPPORTED', 'INTERNAL', 'ADDON_LOAD_FAILED', 'TOKENIZER_ERROR', 'ENGINE_CRASHED',
]);

export function toWireError(e: unknown): WireError {
  if (e !== null && typeof e === 'object') {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message ? message : String(e);
    if (typeof code === 'string' && ENGINE_CODES.has(code)) return { code: code as EngineErrorCode, message: text };
    // An AbortSignal abort that surfaced as a DOM AbortError.
    if ((e as { name?: unknown }).name === 'AbortError') return { code: 'CANCELLED', message: 'cancelled' };
    return { code: 'INTERNAL', message: text };
  }
  return { code: 'INTERNAL', message: String(e) };
}

// One call through the API: method check, zod validation, handler, and errors turned into the
// contract's { code, message } (never a stack trace or a crash). Shared by every transport.
import type { Handlers, MethodName } from '../../contract/api.js';
import { ApiError, type ApiErrorCode, type ApiErrorShape } from '../../contract/errors.js';
import { checkMethod, parseParams } from '../../contract/validate.js';
import type { CallReply } from '../../contract/wire.js';

const KNOWN: ReadonlySet<string> = new Set<ApiErrorCode>([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'IO_ERROR', 'CORRUPT_FILE', 'UNSUPPORTED_DTYPE', 'SHAPE_MISMATCH', 'MISSING_KEY',
  'UNEXPECTED_KEY', 'INVALID_SIZE', 'OUT_OF_MEMORY', 'CANCELLED', 'BACKEND_ERROR', 'UNSUPPORTED', 'INTERNAL',
  'ADDON_LOAD_FAILED', 'TOKENIZER_ERROR', 'ENGINE_CRASHED', 'BAD_REQUEST', 'UNKNOWN_METHOD', 'UNAUTHORIZED',
  'FORBIDDEN_PATH', 'CONFLICT', 'CHECKSUM_MISMATCH', 'DOWNLOAD_FAILED', 'INVALID_MODEL', 'EXPORT_FAILED', 'DISCONNECTED',
]);

export function toErrorShape(e: unknown): ApiErrorShape {
  if (e instanceof ApiError) return e.toJSON();
  if (e && typeof e === 'object') {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : String(e);
    if (typeof code === 'string' && KNOWN.has(code)) return { code: code as ApiErrorCode, message: text };
    return { code: 'INTERNAL', message: text };
  }
  return { code: 'INTERNAL', message: String(e) };
}

export async function dispatch<Ctx>(handlers: Handlers<Ctx>, method: string, rawParams: unknown, ctx: Ctx,
  onInternal?: (method: string, e: unknown) => void): Promise<CallReply> {
  try {
    const name: MethodName = checkMethod(method);
    const params = parseParams(name, rawParams);
    const handler = handlers[name] as (p: unknown, c: Ctx) => unknown;
    const result = await handler(params, ctx);
    return { ok: true, result: result === undefined ? null : result };
  } catch (e) {
    const shape = toErrorShape(e);
    if (shape.code === 'INTERNAL') onInternal?.(method, e);
    return { ok: false, error: shape };
  }
}

// Validation of an incoming call, shared by the server and the Electron main process.
import { z } from 'zod';
import { type HandlerParams, isMethodName, type MethodName } from './api.js';
import { ApiError } from './errors.js';
import { methods } from './methods.js';

export function checkMethod(name: string): MethodName {
  if (!isMethodName(name)) throw new ApiError('UNKNOWN_METHOD', `unknown method "${name}"`);
  return name;
}

/** Parses params with the method's schema; bad input becomes BAD_REQUEST with the issues. */
export function parseParams<K extends MethodName>(method: K, raw: unknown): HandlerParams<K> {
  const schema = methods[method].params as z.ZodType;
  const r = schema.safeParse(raw === undefined ? {} : raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const summary = issues.slice(0, 3).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new ApiError('BAD_REQUEST', `${method}: ${summary}`, { issues });
  }
  return r.data as HandlerParams<K>;
}

// The shape of one method in the contract: a zod schema for its params (validated by whoever
// receives the call) and a phantom result type (results come from our own code).
import type { z } from 'zod';

export interface MethodDef<P extends z.ZodType, R> {
  readonly params: P;
  /** Never set at run time; carries the result type. */
  readonly __result?: R;
  /** Long-running (waits for the engine): transports should not time the call out. */
  readonly long: boolean;
}

/** `method<Result>()(paramsSchema)`: the result type is given, the params type inferred. */
export function method<R>(opts: { long?: boolean } = {}) {
  return <P extends z.ZodType>(params: P): MethodDef<P, R> => ({ params, long: opts.long ?? false });
}

// Type-level test: the zod schemas agree with the engine's types, and every transport (the
// Electron bridge, the WebSocket client) and the server's handlers satisfy the one contract.
import { describe, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type { AttnConfig, AttnMapRequest, CalibrationRequest, GenerateParams } from '../engine/types.js';
import type { bridge } from '../preload/preload.js';
import type { createHandlers, CallContext } from '../core/api/handlers.js';
import {
  type AttnConfigSchema, type AttnMapRequestSchema, type CalibrationRequestSchema, type GenerateParamsSchema,
  type Handlers, type MethodParams, type MethodResult, type ModelRecord, type TesseraApi, type Unsubscribe,
  createWsClient,
} from './index.js';

describe('schemas mirror app/engine/types.ts', () => {
  test('GenerateParams', () => {
    expectTypeOf<z.output<typeof GenerateParamsSchema>>().toEqualTypeOf<GenerateParams>();
    expectTypeOf<z.output<typeof AttnConfigSchema>>().toEqualTypeOf<AttnConfig>();
  });
  test('attention requests', () => {
    expectTypeOf<z.output<typeof AttnMapRequestSchema>>().toEqualTypeOf<AttnMapRequest>();
    expectTypeOf<z.output<typeof CalibrationRequestSchema>>().toEqualTypeOf<CalibrationRequest>();
  });
});

describe('transports satisfy TesseraApi', () => {
  test('Electron bridge (preload)', () => {
    expectTypeOf<typeof bridge>().toEqualTypeOf<TesseraApi>();
  });
  test('WebSocket client', () => {
    expectTypeOf<ReturnType<typeof createWsClient>>().toExtend<TesseraApi>();
  });
  test('calls are typed end to end', () => {
    const api = {} as TesseraApi;
    expectTypeOf(api.invoke('models.list')).resolves.toEqualTypeOf<ModelRecord[]>();
    expectTypeOf(api.invoke<'queue.cancel'>).parameter(1).toEqualTypeOf<MethodParams<'queue.cancel'>>();
    expectTypeOf<MethodResult<'settings.get'>['theme']>().toEqualTypeOf<'system' | 'light' | 'dark'>();
    // @ts-expect-error params are required for methods with required fields
    void api.invoke('queue.cancel');
    // @ts-expect-error unknown methods do not compile
    void api.invoke('queue.nope');
    expectTypeOf(api.on('job.progress', () => {})).toEqualTypeOf<Unsubscribe>();
    api.on('job.progress', (p) => expectTypeOf(p.previewUrl).toEqualTypeOf<string | null>());
  });
});

describe('server handlers', () => {
  test('Handlers has exactly one function per method', () => {
    expectTypeOf<keyof Handlers>().toEqualTypeOf<keyof import('./methods.js').Methods>();
  });
  test('the core handlers (server and Electron main) implement every method with the contract types', () => {
    expectTypeOf<ReturnType<typeof createHandlers>>().toEqualTypeOf<Handlers<CallContext>>();
    type H = ReturnType<typeof createHandlers>;
    expectTypeOf<Awaited<ReturnType<H['queue.list']>>>().toEqualTypeOf<MethodResult<'queue.list'>>();
    expectTypeOf<Parameters<H['generate.submit']>[0]['params']['frames']>().toEqualTypeOf<number>();
  });
});

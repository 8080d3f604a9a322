// The one API the renderer talks to, whatever carries it: the Electron preload's window.tessera
// or the WebSocket client of the headless server. Both implement the contract's TesseraApi.
export type {
  TesseraApi, MethodName, MethodParams, MethodResult, Unsubscribe,
} from '../../../app/contract/api';
export type { EventName, Events } from '../../../app/contract/events';
export { ApiError, isApiErrorShape, toApiError } from '../../../app/contract/errors';
export type { ApiErrorCode, ApiErrorShape } from '../../../app/contract/errors';

import { isApiErrorShape } from '../../../app/contract/errors';

/** A message fit for the UI from anything a call can throw. */
export function errorMessage(e: unknown): string {
  if (isApiErrorShape(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function errorCode(e: unknown): string | null {
  return isApiErrorShape(e) ? e.code : null;
}

/** Error as stored in slices: code (stable, for tests and styling) and message. */
export interface UiError {
  code: string | null;
  message: string;
}

export function toUiError(e: unknown): UiError {
  return { code: errorCode(e), message: errorMessage(e) };
}

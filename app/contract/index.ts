// The Tessera API contract: methods (zod params, typed results), events, errors, wire format.
export * from './api.js';
export * from './define.js';
export * from './entities.js';
export * from './errors.js';
export * from './events.js';
export * from './methods.js';
export * from './params.js';
export * from './settings.js';
export * from './validate.js';
export * from './wire.js';
export { createWsClient, wsUrl } from './ws-client.js';
export type { ConnectionState, SocketFactory, SocketLike, WsClient, WsClientOptions, EventPayload } from './ws-client.js';

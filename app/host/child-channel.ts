// The engine process's end of the message channel: Electron's utilityProcess gives
// process.parentPort, child_process.fork gives process.send.
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface ChildChannel {
  send(msg: ChildMessage): void;
  onMessage(handler: (msg: ParentMessage) => void): void;
}

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export function childChannel(): ChildChannel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (msg) => port.postMessage(msg),
      onMessage: (h) => port.on('message', (e) => h(e.data as ParentMessage)),
    };
  }
  if (typeof process.send !== 'function') {
    throw new Error('the engine process must be started by the engine host (no IPC channel)');
  }
  // The host is gone (it crashed or was killed): an engine nobody can talk to must not linger
  // holding GPU memory.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (msg) => { if (process.connected) process.send!(msg); },
    onMessage: (h) => { process.on('message', (m) => h(m as ParentMessage)); },
  };
}

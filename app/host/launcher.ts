// How the host starts the engine process. Headless: child_process.fork (fork-launcher.ts);
// Electron: utilityProcess (app/main/utility-launcher.ts). Both speak protocol.ts.
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** Last lines the process wrote to stderr, to explain a crash. */
  stderrTail: string[];
}

export interface EngineChild {
  readonly pid: number | undefined;
  send(msg: ParentMessage): void;
  kill(): void;
  onMessage(listener: (msg: ChildMessage) => void): void;
  onExit(listener: (exit: ChildExit) => void): void;
}

export interface ChildLauncher {
  launch(): EngineChild;
}

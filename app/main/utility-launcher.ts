// Starts the engine process as an Electron utility process (a Node process without the
// browser, outside the main process): same protocol as the headless fork.
import { utilityProcess } from 'electron';
import type { ChildExit, ChildLauncher, EngineChild } from '../host/launcher.js';
import type { ChildMessage, ParentMessage } from '../host/protocol.js';

const TAIL_LINES = 20;

export class UtilityLauncher implements ChildLauncher {
  constructor(private readonly modulePath: string, private readonly onStderr?: (line: string) => void) {}

  launch(): EngineChild {
    const child = utilityProcess.fork(this.modulePath, [], { serviceName: 'Tessera engine', stdio: 'pipe' });
    const tail: string[] = [];
    const collect = (chunk: Buffer | string) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        this.onStderr?.(line);
      }
    };
    child.stderr?.on('data', collect);
    child.stdout?.on('data', collect);
    const exitListeners: Array<(e: ChildExit) => void> = [];
    let exited = false;
    let fatal: string | null = null;
    child.on('error', (type, location) => { fatal = `${type} at ${location}`; });
    child.on('exit', (code) => {
      if (exited) return;
      exited = true;
      if (fatal) tail.push(fatal);
      for (const l of exitListeners) l({ code, signal: null, stderrTail: [...tail] });
    });
    return {
      get pid() { return child.pid; },
      send: (msg: ParentMessage) => { if (!exited) child.postMessage(msg); },
      kill: () => { if (!exited) child.kill(); },
      onMessage: (l) => { child.on('message', (m: unknown) => l(m as ChildMessage)); },
      onExit: (l) => { exitListeners.push(l); },
    };
  }
}

// Starts the engine process with child_process.fork (headless server, CLI, tests).
import { fork } from 'node:child_process';
import type { ChildExit, ChildLauncher, EngineChild } from './launcher.js';
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface ForkLauncherOptions {
  /** The child's entry module (compiled child-main.js, or a test child). */
  modulePath: string;
  args?: string[];
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Receives the child's stderr lines (for the log). */
  onStderr?: (line: string) => void;
}

const TAIL_LINES = 20;

export class ForkLauncher implements ChildLauncher {
  constructor(private readonly opts: ForkLauncherOptions) {}

  launch(): EngineChild {
    const cp = fork(this.opts.modulePath, this.opts.args ?? [], {
      serialization: 'advanced',
      execArgv: this.opts.execArgv ?? [],
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        this.opts.onStderr?.(line);
      }
    };
    cp.stderr?.on('data', onData);
    cp.stdout?.on('data', onData);
    const exitListeners: Array<(e: ChildExit) => void> = [];
    let exited = false;
    const finish = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      if (partial) tail.push(partial);
      for (const l of exitListeners) l({ code, signal, stderrTail: [...tail] });
    };
    cp.on('exit', (code, signal) => finish(code, signal));
    cp.on('error', () => finish(null, null));
    return {
      pid: cp.pid,
      send: (msg: ParentMessage) => {
        if (cp.connected) cp.send(msg);
      },
      kill: () => { if (!exited) cp.kill('SIGKILL'); },
      onMessage: (l) => { cp.on('message', (m) => l(m as ChildMessage)); },
      onExit: (l) => { exitListeners.push(l); },
    };
  }
}

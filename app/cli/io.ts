// What a command gets: output streams and a way to learn about Ctrl-C. Tests pass fakes.
import type { ProgressSink } from './progress.js';

export interface CliIO {
  stdout: { write(s: string): void };
  stderr: ProgressSink;
  /** Aborted on Ctrl-C (SIGINT/SIGTERM) in the real CLI. */
  signal?: AbortSignal;
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

// Runs ffmpeg/ffprobe with an optional stdin payload (raw frames), collecting stdout and the tail
// of stderr; failures become MediaErrors (disk full, encode failure, cancelled).
import { spawn } from 'node:child_process';
import { MediaError, ffmpegFailure } from './errors.js';
import { locate, type Tool } from './ffmpeg-path.js';

export interface RunOptions {
  input?: Uint8Array;
  signal?: AbortSignal;
}

const STDERR_KEEP = 16_384;
const WRITE_FAILED = /No space left on device|Error writing trailer|Error closing file/;

export function runTool(tool: Tool, args: string[], opts: RunOptions = {}): Promise<string> {
  const bin = locate(tool).path;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new MediaError('CANCELLED', `${tool} cancelled`));
      return;
    }
    const child = spawn(bin, args, { stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      if (err.length > STDERR_KEEP * 2) err = err.slice(-STDERR_KEEP);
    });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new MediaError('FFMPEG_NOT_FOUND', `cannot run ${bin}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(new MediaError('CANCELLED', `${tool} cancelled`));
      // ffmpeg can exit 0 after failing to write the trailer (seen with a full disk).
      else if (code === 0 && !WRITE_FAILED.test(err)) resolve(Buffer.concat(out).toString('utf8'));
      else reject(ffmpegFailure(tool, code, signal, err));
    });
    if (opts.input && child.stdin) {
      // EPIPE when ffmpeg exits early: its exit status and stderr tell the real story.
      child.stdin.on('error', () => undefined);
      child.stdin.end(Buffer.from(opts.input.buffer, opts.input.byteOffset, opts.input.byteLength));
    }
  });
}

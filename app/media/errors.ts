// Errors of the media layer (ffmpeg encoding, metadata), with stable codes for the UI and the CLI.
export type MediaErrorCode =
  | 'FFMPEG_NOT_FOUND' // no ffmpeg/ffprobe binary could be located
  | 'ENCODE_FAILED'    // ffmpeg exited with an error
  | 'DISK_FULL'        // no space left while writing the output
  | 'IO_ERROR'         // the output could not be written or renamed (permissions, missing folder)
  | 'INVALID_INPUT'    // frames that do not match their declared size, bad options
  | 'CANCELLED';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MediaError';
    this.code = code;
  }
}

const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i;

/** Classifies a failed ffmpeg run from its exit status and the tail of its stderr. */
export function ffmpegFailure(tool: string, exitCode: number | null, signal: string | null, stderr: string): MediaError {
  const tail = stderr.trim().split('\n').slice(-6).join('\n');
  if (DISK_FULL.test(stderr)) return new MediaError('DISK_FULL', `${tool}: no space left on the output disk\n${tail}`);
  if (/Permission denied|EACCES|Read-only file system/i.test(stderr)) {
    return new MediaError('IO_ERROR', `${tool}: cannot write the output (permission denied)\n${tail}`);
  }
  const how = signal ? `was killed by ${signal}` : `exited with status ${exitCode}`;
  return new MediaError('ENCODE_FAILED', `${tool} ${how}${tail ? `:\n${tail}` : ''}`);
}

/** Maps a Node fs error on the output path to a MediaError. */
export function fsFailure(what: string, err: unknown): MediaError {
  const code = (err as { code?: string }).code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new MediaError('DISK_FULL', `${what}: no space left on device`, { cause: err });
  return new MediaError('IO_ERROR', `${what}: ${msg}`, { cause: err });
}

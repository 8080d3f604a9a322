// Live preview: each step's x0 preview (all frames) becomes a short clip the UI plays. Encodes
// run one at a time per job; when steps come faster than ffmpeg, only the newest waiting
// preview is encoded (older ones are dropped). The two newest clips are kept on disk so a
// clip the UI is still loading is not deleted under it.
import fs from 'node:fs';
import path from 'node:path';
import type { PreviewFrames } from '../../engine/types.js';
import type { MediaPort } from './media-port.js';

export interface PreviewSession {
  /** Offers a new preview; onClip runs with the clip's path once (and if) it is encoded. */
  offer(frames: PreviewFrames): void;
  /** Waits for the encode in flight, then deletes the session's clips after `keepMs`. */
  close(keepMs?: number): Promise<void>;
}

export class PreviewClips {
  constructor(private readonly media: MediaPort, private readonly dir: string,
    private readonly onError: (message: string) => void = () => undefined) {}

  /** Deletes clips left by an earlier run. */
  clean(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  session(jobId: string, onClip: (file: string, seq: number) => void, fps = 16): PreviewSession {
    const dir = path.join(this.dir, jobId);
    let busy: Promise<void> | null = null;
    let waiting: PreviewFrames | null = null;
    let seq = 0;
    let failed = false;
    const written: string[] = [];
    const ctl = new AbortController();

    const encodeNext = (): void => {
      const frames = waiting;
      waiting = null;
      if (!frames || failed || ctl.signal.aborted) {
        busy = null;
        return;
      }
      const n = ++seq;
      const file = path.join(dir, `${n}.mp4`);
      busy = (async () => {
        try {
          fs.mkdirSync(dir, { recursive: true });
          await this.media.encodePreviewClip(frames, file, { fps, format: 'mp4', signal: ctl.signal });
          written.push(file);
          while (written.length > 2) fs.rmSync(written.shift()!, { force: true });
          onClip(file, n);
        } catch (e) {
          if (!ctl.signal.aborted) {
            // ffmpeg missing or failing: report once, keep the job running without previews.
            failed = true;
            this.onError(`live preview disabled for job ${jobId}: ${(e as Error).message}`);
          }
        }
      })().then(encodeNext);
    };

    return {
      offer(frames) {
        waiting = frames;
        if (!busy) encodeNext();
      },
      async close(keepMs = 60_000) {
        waiting = null;
        while (busy) await busy;
        setTimeout(() => fs.rmSync(dir, { recursive: true, force: true }), keepMs).unref?.();
      },
    };
  }
}

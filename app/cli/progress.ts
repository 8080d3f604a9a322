// The progress bar on stderr: stage, step/total, s/step and ETA. Redrawn in place on a terminal,
// one line per report otherwise (logs, CI).
import type { Progress } from '../engine/types.js';

const STAGE: Record<Progress['stage'], string> = { encode: 'encode text', denoise: 'denoise', decode: 'decode' };

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m < 60 ? `${m}m${String(r).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(p: Progress, width = 24): string {
  const total = Math.max(p.total, 1);
  const done = Math.min(Math.max(p.step, 0), total);
  const filled = Math.round((done / total) * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const rate = p.secondsPerStep > 0 ? `${p.secondsPerStep.toFixed(2)} s/step` : '';
  const eta = p.secondsPerStep > 0 ? `ETA ${formatSeconds((total - done) * p.secondsPerStep)}` : '';
  return [STAGE[p.stage].padEnd(11), `[${bar}]`, `${done}/${p.total}`, rate, eta].filter(Boolean).join('  ');
}

export interface ProgressSink {
  write(s: string): void;
  isTTY?: boolean;
}

export class ProgressBar {
  private lastLen = 0;
  private open = false;

  constructor(private readonly out: ProgressSink) {}

  update(p: Progress): void {
    const line = progressLine(p);
    if (this.out.isTTY) {
      this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
      this.open = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Ends the in-place line before other output. */
  done(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
    this.lastLen = 0;
  }
}

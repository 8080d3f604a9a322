import type { Job, JobProgress } from '../../../../app/contract/entities';
import type { AppState } from '../../store/store';

/** The job the preview shows: the followed one if it still exists, else the running one. */
export function selectPreviewJob(s: AppState): Job | null {
  const followed = s.preview.followed ? s.queue.byId[s.preview.followed] : undefined;
  if (followed && (followed.state === 'running' || followed.state === 'queued' || s.preview.byJob[followed.id])) return followed;
  const running = Object.values(s.queue.byId).find((j) => j.state === 'running');
  return running ?? followed ?? null;
}

export function selectPreviewProgress(s: AppState): JobProgress | null {
  const job = selectPreviewJob(s);
  if (!job) return null;
  return s.preview.byJob[job.id] ?? job.progress ?? null;
}

/** 0..1 over the whole job: text encoding is quick, so denoise counts 90% and decode 10%. */
export function overallFraction(p: JobProgress | null): number {
  if (!p) return 0;
  const f = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  if (p.stage === 'encode') return 0;
  if (p.stage === 'denoise') return 0.9 * f;
  return 0.9 + 0.1 * f;
}

// Queue ordering as the user sees it: the running job, then queued jobs by position, then finished
// ones newest first. Reordering moves queued jobs only.
import type { Job, JobState } from '../../../../app/contract/entities';

const RANK: Record<JobState, number> = { running: 0, queued: 1, interrupted: 2, failed: 2, cancelled: 2, done: 2 };

export function sortJobs(jobs: Job[]): Job[] {
  return [...jobs].sort((a, b) => {
    const r = RANK[a.state] - RANK[b.state];
    if (r !== 0) return r;
    if (a.state === 'queued') return a.position - b.position || a.createdAt - b.createdAt;
    return (b.finishedAt ?? b.createdAt) - (a.finishedAt ?? a.createdAt);
  });
}

export function queuedIds(jobs: Job[]): string[] {
  return sortJobs(jobs).filter((j) => j.state === 'queued').map((j) => j.id);
}

/** Queued ids after moving `id` by `delta` places (clamped). */
export function moveBy(ids: string[], id: string, delta: number): string[] {
  const from = ids.indexOf(id);
  if (from < 0) return ids;
  const to = Math.max(0, Math.min(ids.length - 1, from + delta));
  return moveTo(ids, id, to);
}

/** Queued ids after moving `id` to index `to` (as in a drop before the item now at `to`). */
export function moveTo(ids: string[], id: string, to: number): string[] {
  const from = ids.indexOf(id);
  if (from < 0 || from === to) return ids;
  const out = ids.filter((x) => x !== id);
  out.splice(Math.max(0, Math.min(out.length, to)), 0, id);
  return out;
}

export function isFinished(state: JobState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled' || state === 'interrupted';
}

export function canRetry(state: JobState): boolean {
  return state === 'failed' || state === 'cancelled' || state === 'interrupted';
}

export function canCancel(state: JobState): boolean {
  return state === 'queued' || state === 'running';
}

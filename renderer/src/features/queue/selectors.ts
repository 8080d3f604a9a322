import type { AppState } from '../../store/store';
import { sortJobs } from './order';

/** Sorted jobs; use with useShallow (a new array of the same job objects each call). */
export const selectJobs = (s: AppState) => sortJobs(Object.values(s.queue.byId));
export const selectJob = (id: string | null) => (s: AppState) => (id ? s.queue.byId[id] ?? null : null);
export const selectQueueCounts = (s: AppState) => {
  let queued = 0;
  let running = 0;
  for (const j of Object.values(s.queue.byId)) {
    if (j.state === 'queued') queued += 1;
    else if (j.state === 'running') running += 1;
  }
  return { queued, running };
};

// Live preview: the latest progress of each job that reported any (in practice the running one),
// and which job the preview panel follows (the last one submitted, else whatever is running).
import type { JobProgress } from '../../../../app/contract/entities';
import { patch, type SliceCreator } from '../../store/types';

export interface PreviewSlice {
  byJob: Record<string, JobProgress>;
  /** Job the user asked to watch; null: the running one. */
  followed: string | null;
  /** Wall-clock time of the last progress event per job, to show staleness. */
  lastAt: Record<string, number>;
  receive(p: JobProgress): void;
  follow(jobId: string | null): void;
  forget(jobId: string): void;
}

export const createPreviewSlice: SliceCreator<{ preview: PreviewSlice }> = (set, _get, { now }) => ({
  preview: {
    byJob: {},
    followed: null,
    lastAt: {},
    receive(p) {
      patch(set, 'preview', (s) => {
        const prev = s.byJob[p.jobId];
        // A progress event without a clip keeps the last clip on screen (e.g. during decode).
        const merged: JobProgress = prev && !p.previewUrl && prev.previewUrl ? { ...p, previewUrl: prev.previewUrl, previewSeq: prev.previewSeq } : p;
        return { byJob: { ...s.byJob, [p.jobId]: merged }, lastAt: { ...s.lastAt, [p.jobId]: now() } };
      });
    },
    follow(followed) {
      patch(set, 'preview', { followed });
    },
    forget(jobId) {
      patch(set, 'preview', (s) => {
        const { [jobId]: _p, ...byJob } = s.byJob;
        const { [jobId]: _t, ...lastAt } = s.lastAt;
        return { byJob, lastAt, followed: s.followed === jobId ? null : s.followed };
      });
    },
  },
});

// One job in the queue: state, settings summary, progress, and its actions. Queued jobs can be
// dragged, or moved with Alt+↑/↓ when focused.
import type { DragEvent, KeyboardEvent } from 'react';
import type { Job, JobState } from '../../../../app/contract/entities';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button } from '../../ui/controls';
import { formatSeconds } from '../../ui/format';
import { canCancel, canRetry } from './order';

export const JOB_STATE_TONE: Record<JobState, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  queued: 'muted', running: 'info', done: 'ok', failed: 'bad', cancelled: 'warn', interrupted: 'warn',
};

export interface JobRowProps {
  job: Job;
  index: number;
  queuedIndex: number;
  queuedCount: number;
  dropBefore: boolean;
  onDragStart: (id: string) => void;
  onDragOverRow: (id: string) => void;
  onDropRow: (id: string) => void;
  onDragEnd: () => void;
  compact?: boolean;
}

function summary(job: Job): string {
  const p = job.params;
  const parts = [`${p.width}×${p.height}`, `${p.frames} fr`, `${p.steps} steps`, p.sampler, `seed ${p.seed}`];
  if (job.kind === 'generate') parts.push(job.export.format.toUpperCase());
  if (p.attention && p.attention.rules.length > 0) parts.push(`${p.attention.rules.length} attention rule${p.attention.rules.length > 1 ? 's' : ''}`);
  if (job.kind !== 'generate') parts.unshift(job.kind);
  return parts.join(' · ');
}

export function JobRow({ job, queuedIndex, queuedCount, dropBefore, onDragStart, onDragOverRow, onDropRow, onDragEnd, compact }: JobRowProps) {
  const q = useAppShallow((s) => ({ move: s.queue.move, cancel: s.queue.cancel, retry: s.queue.retry, remove: s.queue.remove }));
  const progress = useApp((s) => s.preview.byJob[job.id] ?? job.progress);
  const queued = job.state === 'queued';
  const onKeyDown = (e: KeyboardEvent) => {
    if (!queued || !e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    void q.move(job.id, e.key === 'ArrowUp' ? -1 : 1).then(() => {
      // Keep focus on the moved row after React re-orders the list.
      requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-job-id="${job.id}"]`)?.focus());
    });
  };
  const pct = progress && progress.total > 0 ? Math.round((progress.step / progress.total) * 100) : null;
  return (
    <li
      className={`job${dropBefore ? ' job--drop-before' : ''}`}
      data-job-id={job.id}
      data-state={job.state}
      tabIndex={0}
      aria-label={`${job.label}, ${job.state}${queued ? `, position ${queuedIndex + 1} of ${queuedCount}` : ''}`}
      aria-keyshortcuts={queued ? 'Alt+ArrowUp Alt+ArrowDown' : undefined}
      draggable={queued}
      onKeyDown={onKeyDown}
      onDragStart={(e: DragEvent) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', job.id);
        onDragStart(job.id);
      }}
      onDragOver={(e: DragEvent) => {
        if (!queued) return;
        e.preventDefault();
        onDragOverRow(job.id);
      }}
      onDrop={(e: DragEvent) => {
        e.preventDefault();
        onDropRow(job.id);
      }}
      onDragEnd={onDragEnd}
    >
      <span className="job__handle" aria-hidden="true">{queued ? '⠿' : ''}</span>
      <div style={{ minWidth: 0 }}>
        <div className="row" style={{ flexWrap: 'nowrap' }}>
          <Badge tone={JOB_STATE_TONE[job.state]}>{job.state}{job.state === 'running' && pct !== null ? ` ${pct}%` : ''}</Badge>
          <span className="job__title" title={job.params.prompt}>{job.label || job.params.prompt}</span>
        </div>
        {!compact && <div className="job__meta">{summary(job)}</div>}
        {job.state === 'running' && progress && (
          <div className="job__meta">{progress.stage} {progress.step}/{progress.total} · ETA {formatSeconds(progress.etaSeconds)}</div>
        )}
        {job.error && <div className="job__meta" style={job.state === 'failed' ? { color: 'var(--bad)' } : undefined}>{job.error.code}: {job.error.message}</div>}
      </div>
      <div className="job__actions">
        {queued && !compact && (
          <>
            <Button variant="ghost" aria-label="Move up" disabled={queuedIndex === 0} onClick={() => void q.move(job.id, -1)}>↑</Button>
            <Button variant="ghost" aria-label="Move down" disabled={queuedIndex === queuedCount - 1} onClick={() => void q.move(job.id, 1)}>↓</Button>
          </>
        )}
        {canCancel(job.state) && <Button onClick={() => void q.cancel(job.id)}>Cancel</Button>}
        {canRetry(job.state) && <Button onClick={() => void q.retry(job.id)}>Retry</Button>}
        {job.state !== 'running' && !compact && <Button variant="ghost" aria-label="Remove from list" onClick={() => void q.remove(job.id)}>Remove</Button>}
      </div>
    </li>
  );
}

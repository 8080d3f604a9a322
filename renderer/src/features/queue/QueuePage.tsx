// Batch export queue: every job with its state; pause/resume, cancel, retry, reorder, remove;
// and the batch form (prompt lists, seed sweeps, parameter grids).
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button, EmptyState, ErrorBanner, Section } from '../../ui/controls';
import { BatchForm } from './BatchForm';
import { JobList } from './JobList';
import { selectJobs } from './selectors';

export function QueuePage() {
  const jobs = useAppShallow(selectJobs);
  const { paused, pause, resume, clearFinished, error, lastBatch } = useAppShallow((s) => ({
    paused: s.queue.paused, pause: s.queue.pause, resume: s.queue.resume, clearFinished: s.queue.clearFinished, error: s.queue.error, lastBatch: s.queue.lastBatch,
  }));
  const loaded = useApp((s) => s.queue.loaded);
  const finished = jobs.some((j) => j.state !== 'queued' && j.state !== 'running');
  return (
    <div className="page page--wide">
      <BatchForm />
      <Section
        title="Queue"
        actions={
          <>
            {paused ? <Badge tone="warn">queue paused</Badge> : <Badge tone="ok">queue active</Badge>}
            {paused ? (
              <Button variant="primary" onClick={() => void resume()} aria-keyshortcuts="Control+Shift+P">Resume queue</Button>
            ) : (
              <Button onClick={() => void pause()} aria-keyshortcuts="Control+Shift+P">Pause queue</Button>
            )}
            <Button variant="ghost" disabled={!finished} onClick={() => void clearFinished()}>Clear finished</Button>
          </>
        }
      >
        <ErrorBanner error={error} title="Queue operation failed" />
        {lastBatch && (
          <div className="banner banner--info" role="status">
            Batch finished: {lastBatch.done} done, {lastBatch.failed} failed, {lastBatch.cancelled} cancelled, {lastBatch.interrupted} interrupted.
          </div>
        )}
        {paused && <div className="muted small">Paused: the running job finishes; queued jobs wait until you resume.</div>}
        {!loaded ? (
          <div className="muted">Loading…</div>
        ) : jobs.length === 0 ? (
          <EmptyState title="No jobs">Queue a generation from Create, or a batch from the form here. Jobs survive restarts; a job that was running when the app stopped comes back as “interrupted”.</EmptyState>
        ) : (
          <>
            <div className="muted small">Drag queued jobs, or focus one and press Alt+↑/Alt+↓, to change the order.</div>
            <JobList jobs={jobs} />
          </>
        )}
      </Section>
    </div>
  );
}

// Live preview of the running (or last submitted) job: the moving x0 preview of every step,
// progress, ETA, it/s and device memory, with cancel.
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button, EmptyState, Meter, Section } from '../../ui/controls';
import { formatBytes, formatRate, formatSeconds } from '../../ui/format';
import { JOB_STATE_TONE } from '../queue/JobRow';
import { PreviewClip } from './PreviewClip';
import { overallFraction, selectPreviewJob, selectPreviewProgress } from './selectors';

const STAGE: Record<string, string> = { encode: 'Encoding text', denoise: 'Sampling', decode: 'Decoding video' };

export function LivePreview() {
  const job = useApp(selectPreviewJob);
  const p = useApp(selectPreviewProgress);
  const output = useApp((s) => (job?.outputId ? s.gallery.items.find((g) => g.id === job.outputId) ?? null : null));
  const { cancel, go, select } = useAppShallow((s) => ({ cancel: s.queue.cancel, go: s.shell.go, select: s.gallery.select }));
  if (!job) {
    return (
      <Section title="Live preview">
        <EmptyState title="Nothing running">Write a prompt and press Generate (Ctrl+Enter). Every sampling step shows here as a moving preview of all frames.</EmptyState>
      </Section>
    );
  }
  const running = job.state === 'running';
  return (
    <Section
      title="Live preview"
      actions={
        <>
          <Badge tone={JOB_STATE_TONE[job.state]}>{job.state}</Badge>
          {(running || job.state === 'queued') && <Button variant="danger" onClick={() => void cancel(job.id)}>Cancel</Button>}
        </>
      }
    >
      <div className="small job__title" title={job.params.prompt}>{job.params.prompt}</div>
      {job.state === 'done' && output?.url ? (
        <div className="player">
          <video src={output.url} controls autoPlay loop muted playsInline aria-label="Finished video" />
        </div>
      ) : (
        <PreviewClip url={p?.previewUrl ?? null} seq={p?.previewSeq ?? 0} label="Live preview of the current prediction" />
      )}
      <div data-testid="progress" data-stage={p?.stage ?? ''} data-step={p?.step ?? 0} data-total={p?.total ?? 0}>
        <Meter value={job.state === 'done' ? 1 : overallFraction(p)} label="Job progress" />
        <div className="small" style={{ marginTop: 4 }}>
          {job.state === 'done'
            ? `Finished${job.startedAt && job.finishedAt ? ` in ${formatSeconds((job.finishedAt - job.startedAt) / 1000)}` : ''}`
            : p && running
              ? `${STAGE[p.stage] ?? p.stage} · ${p.stage === 'decode' ? 'chunk' : 'step'} ${p.step} of ${p.total}`
              : job.state === 'queued'
                ? 'Waiting in the queue'
                : p
                  ? `Stopped at ${STAGE[p.stage]?.toLowerCase() ?? p.stage} ${p.step} of ${p.total}`
                  : ''}
        </div>
      </div>
      <div className="stats">
        <Stat label="ETA" value={running && p ? formatSeconds(p.etaSeconds) : '—'} />
        <Stat label="Speed" value={p ? formatRate(p.itPerSecond) : '—'} />
        <Stat label="Elapsed" value={job.state === 'done' && job.startedAt && job.finishedAt ? formatSeconds((job.finishedAt - job.startedAt) / 1000) : p ? formatSeconds(p.elapsedSeconds) : '—'} />
        <Stat label="Memory (peak)" value={p ? `${formatBytes(p.deviceBytesInUse)} (${formatBytes(p.deviceBytesPeak)})` : '—'} />
      </div>
      {job.error && job.state === 'failed' && <div className="banner banner--error" role="alert"><div><strong>{job.error.code}</strong><div className="banner__message">{job.error.message}</div></div></div>}
      {job.state === 'cancelled' && <div className="muted small" role="status">Cancelled{job.error ? `: ${job.error.message}` : ''}.</div>}
      {job.state === 'interrupted' && <div className="muted small" role="status">Interrupted: the app stopped while this job ran. Retry it from the queue.</div>}
      {job.state === 'done' && output && (
        <div className="row"><Button onClick={() => { select(output.id); go('gallery'); }}>Open in gallery</Button></div>
      )}
    </Section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="stat__label">{label}</div>
      <div className="stat__value">{value}</div>
    </div>
  );
}

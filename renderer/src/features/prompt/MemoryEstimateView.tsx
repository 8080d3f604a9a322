// The engine's memory estimate of the draft, refreshed shortly after the settings stop changing,
// shown before running so nobody queues a job that cannot fit.
import { useEffect, useMemo, type ReactElement } from 'react';
import { useApp, useAppShallow, useAppStore } from '../../store/context';
import { Meter } from '../../ui/controls';
import { formatBytes } from '../../ui/format';
import { buildParams } from './params';

const DEBOUNCE_MS = 350;

export function MemoryEstimateView() {
  const store = useAppStore();
  const estimate = useApp((s) => s.prompt.estimate);
  // The inputs of the estimate by identity; the key string is built only when one of them changes.
  const inputs = useAppShallow((s) => [s.models.activeId, s.prompt.draft, s.attention.config, s.settings.values?.preview] as const);
  const key = useMemo(() => {
    const s = store.getState();
    return s.models.activeId ? JSON.stringify([s.models.activeId, buildParams(s)]) : '';
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, inputs);
  useEffect(() => {
    if (!key) return;
    const t = setTimeout(() => void store.getState().prompt.estimateNow(), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [key, store]);

  let body: ReactElement;
  if (estimate.status === 'idle') body = <span className="muted small">Memory estimate appears once a model is selected.</span>;
  else if (estimate.status === 'pending' && estimate.key !== key) body = <span className="muted small">Estimating…</span>;
  else if (estimate.status === 'pending') body = <span className="muted small">Estimating…</span>;
  else if (estimate.status === 'error') body = <span className="small" style={{ color: 'var(--bad)' }} role="alert">{estimate.error.message}</span>;
  else {
    const v = estimate.value;
    const frac = v.availableBytes > 0 ? v.peakBytes / v.availableBytes : 0;
    body = (
      <>
        <Meter value={frac} label="Estimated peak memory of available" tone={!v.fits ? 'bad' : frac > 0.85 ? 'warn' : 'accent'} />
        <div className="small" data-fits={v.fits}>
          Peak {formatBytes(v.peakBytes)} of {formatBytes(v.availableBytes)} available (weights {formatBytes(v.weightsBytes)}, activations {formatBytes(v.activationsBytes)}).{' '}
          {v.fits ? <span style={{ color: 'var(--ok)' }}>Fits.</span> : <strong style={{ color: 'var(--bad)' }}>Does not fit: lower the resolution or frame count.</strong>}
        </div>
      </>
    );
  }
  return (
    <div className="field" aria-live="polite" data-testid="memory-estimate">
      <span className="small muted"><b>Memory</b></span>
      {body}
    </div>
  );
}

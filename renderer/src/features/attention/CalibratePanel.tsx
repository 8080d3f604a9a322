// Calibration: the engine runs the sampler, measures each candidate window's error against dense
// attention per layer and head, and proposes the cheapest acceptable windows.
import { useEffect, useState } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Button, ErrorBanner, Field } from '../../ui/controls';
import { formatPercent, formatSeconds } from '../../ui/format';
import { DEFAULT_CANDIDATES } from './slice';
import type { Vec3 } from './geometry';

function parseCandidates(text: string): Vec3[] | string {
  const out: Vec3[] = [];
  for (const part of text.split(/[;\n]+/).map((p) => p.trim()).filter(Boolean)) {
    const nums = part.split(/[\s,x×]+/).filter(Boolean).map(Number);
    if (nums.length !== 3 || nums.some((n) => !Number.isInteger(n) || n < 1)) return `"${part}" is not three whole numbers ≥ 1`;
    out.push(nums as Vec3);
  }
  return out.length > 0 ? out : 'give at least one candidate window';
}

export function CalibratePanel() {
  const cal = useApp((s) => s.attention.calibration);
  const a = useAppShallow((s) => ({ calibrate: s.attention.calibrate, use: s.attention.useCalibration, save: s.attention.savePreset }));
  const steps = useApp((s) => s.prompt.draft.steps);
  const [cands, setCands] = useState(DEFAULT_CANDIDATES.map((c) => c.join(',')).join('; '));
  const [denseSteps, setDenseSteps] = useState(Math.max(1, Math.round(steps / 4)));
  const [maxError, setMaxError] = useState(0);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (cal.status !== 'running') return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [cal.status]);
  const parsed = parseCandidates(cands);
  const run = () => {
    if (typeof parsed !== 'string') void a.calibrate({ candidates: parsed, denseSteps, maxError: maxError > 0 ? maxError : undefined });
  };
  return (
    <div className="stack">
      <Field label="Candidate windows (t,h,w in tiles; separated by ;)" error={typeof parsed === 'string' ? parsed : null}>
        {(id, d) => <input id={id} aria-describedby={d} value={cands} onChange={(e) => setCands(e.currentTarget.value)} />}
      </Field>
      <div className="grid-2">
        <Field label="Dense first steps" hint="kept dense and not measured">
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={0} max={steps - 1} value={denseSteps} onChange={(e) => setDenseSteps(Math.max(0, Math.round(e.currentTarget.valueAsNumber || 0)))} />}
        </Field>
        <Field label="Max error (relative L2)" hint="0: pick the lowest-error candidate">
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={0} step={0.01} value={maxError} onChange={(e) => setMaxError(Math.max(0, e.currentTarget.valueAsNumber || 0))} />}
        </Field>
      </div>
      <div className="row">
        <Button variant="primary" disabled={cal.status === 'running' || typeof parsed === 'string'} onClick={run}>
          {cal.status === 'running' ? `Calibrating… ${formatSeconds((now - cal.startedAt) / 1000)}` : 'Calibrate'}
        </Button>
        <span className="muted small">Runs the current prompt and size with dense attention and measures every candidate.</span>
      </div>
      {cal.status === 'error' && <ErrorBanner error={cal.error} title="Calibration failed" />}
      {cal.status === 'done' && (
        <div className="stack" data-testid="calibration-result">
          <div className="row">
            <span>Proposed windows skip <b>{formatPercent(cal.result.sparsity, 1)}</b> of blocks after step {denseSteps}.</span>
            <Button variant="primary" onClick={a.use}>Use these windows</Button>
            <Button onClick={() => { a.use(); void a.save(`Calibrated ${new Date().toLocaleString()}`, `${cal.result.layers}×${cal.result.heads}, ${cal.result.steps} steps`); }}>Use and save as preset</Button>
          </div>
          <div style={{ overflowX: 'auto' }}>
            <table className="data">
              <thead>
                <tr><th>Layer</th>{Array.from({ length: cal.result.heads }, (_, h) => <th key={h}>Head {h}</th>)}</tr>
              </thead>
              <tbody>
                {cal.result.windows.map((heads, l) => (
                  <tr key={l}>
                    <th>{l}</th>
                    {heads.map((w, h) => {
                      const ci = cal.result.candidates.findIndex((c) => c.join() === w.join());
                      const err = ci >= 0 ? cal.result.errors[(l * cal.result.heads + h) * cal.result.candidates.length + ci] : NaN;
                      return <td key={h} className="mono">{w.join('×')}<div className="muted small">err {Number.isFinite(err) ? err.toFixed(3) : '—'}</div></td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

// Sampler (UniPC / Euler / few-step with explicit timesteps), steps, guidance and shift.
import { useEffect, useState } from 'react';
import type { SamplerKind } from '../../../../app/engine/types';
import { useAppShallow } from '../../store/context';
import { Field, NumberInput } from '../../ui/controls';
import { parseTimesteps } from './timesteps';

const SAMPLERS: Array<{ value: SamplerKind; label: string; hint: string }> = [
  { value: 'unipc', label: 'UniPC', hint: "Wan's default: FlowUniPC order 2" },
  { value: 'euler', label: 'Euler', hint: 'flow Euler on the same schedule' },
  { value: 'fewstep', label: 'Few-step', hint: 'distilled models: explicit timesteps, re-noised between steps' },
];

export function SamplerControls() {
  const d = useAppShallow((s) => ({
    sampler: s.prompt.draft.sampler, steps: s.prompt.draft.steps, guidance: s.prompt.draft.guidance,
    shift: s.prompt.draft.shift, timesteps: s.prompt.draft.timesteps,
  }));
  const set = useAppShallow((s) => s.prompt.set);
  const [tsText, setTsText] = useState((d.timesteps ?? []).join(', '));
  const [tsError, setTsError] = useState<string | null>(null);
  useEffect(() => setTsText((d.timesteps ?? []).join(', ')), [d.timesteps]);
  const hint = SAMPLERS.find((x) => x.value === d.sampler)?.hint;
  return (
    <div className="stack">
      <div className="field">
        <span className="field__label small muted" id="sampler-label"><b>Sampler</b></span>
        <div className="row">
          <div className="seg" role="group" aria-labelledby="sampler-label">
            {SAMPLERS.map((x) => (
              <button key={x.value} type="button" aria-pressed={d.sampler === x.value} onClick={() => set('sampler', x.value)}>{x.label}</button>
            ))}
          </div>
          <span className="muted small">{hint}</span>
        </div>
      </div>
      {d.sampler === 'fewstep' && (
        <Field label="Timesteps" error={tsError} hint="noisiest first; steps = number of timesteps">
          {(id, desc) => (
            <input id={id} aria-describedby={desc} value={tsText} onChange={(e) => {
              const text = e.currentTarget.value;
              setTsText(text);
              const r = parseTimesteps(text);
              setTsError(r.ok ? null : r.error);
              if (r.ok) set('timesteps', r.values);
            }} />
          )}
        </Field>
      )}
      <div className="grid-3">
        <Field label="Steps">
          {(id) => d.sampler === 'fewstep'
            ? <input id={id} value={d.timesteps?.length ?? 0} readOnly aria-readonly="true" />
            : <NumberInput id={id} min={1} max={1000} step={1} value={d.steps} onValue={(v) => set('steps', Math.max(1, Math.round(v)))} />}
        </Field>
        <Field label="Guidance" hint="≤ 1 skips the unconditional pass">
          {(id, desc) => <NumberInput id={id} aria-describedby={desc} min={0} max={100} step={0.5} value={d.guidance} onValue={(v) => set('guidance', v)} />}
        </Field>
        <Field label="Shift">
          {(id) => <NumberInput id={id} min={0} max={100} step={0.5} value={d.shift} onValue={(v) => set('shift', v)} />}
        </Field>
      </div>
    </div>
  );
}

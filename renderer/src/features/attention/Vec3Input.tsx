import type { Vec3 } from './geometry';

/** Three small number inputs for a (t, h, w) triple. */
export function Vec3Input({ value, onChange, label, min = 1, idPrefix }: { value: Vec3; onChange: (v: Vec3) => void; label: string; min?: number; idPrefix: string }) {
  const axes = ['t', 'h', 'w'];
  return (
    <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend className="small muted" style={{ padding: 0 }}><b>{label}</b></legend>
      <div className="row" style={{ flexWrap: 'nowrap' }}>
        {axes.map((a, i) => (
          <label key={a} className="row small" style={{ gap: 4, flexWrap: 'nowrap' }} htmlFor={`${idPrefix}-${a}`}>
            <span className="muted">{a}</span>
            <input
              id={`${idPrefix}-${a}`}
              type="number"
              min={min}
              step={1}
              style={{ width: 64 }}
              value={value[i]}
              aria-label={`${label} ${a}`}
              onChange={(e) => {
                const v = e.currentTarget.valueAsNumber;
                if (!Number.isFinite(v)) return;
                const next = [...value] as Vec3;
                next[i] = Math.max(min, Math.round(v));
                onChange(next);
              }}
            />
          </label>
        ))}
      </div>
    </fieldset>
  );
}

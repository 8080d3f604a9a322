// The effective pattern of every (layer, head) at one sampling step, coloured by the work it keeps.
// Click a cell, a layer label or a head label to select; then apply a window to the selection for
// a step range (this appends a rule).
import { useMemo, useState } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Button, Select } from '../../ui/controls';
import { DEFAULT_TILE, keptFraction, type Vec3 } from './geometry';
import { patternLabel, resolveAll } from './rules';
import { selectPlanContext } from './selectors';
import { Vec3Input } from './Vec3Input';

type Selection = { layer: number | null; head: number | null } | null;

function cellColour(kept: number): string {
  // Dense cells stay neutral; the sparser a cell, the stronger the accent.
  // At most 40% accent so the cell text keeps its contrast in both themes.
  if (kept >= 0.999) return 'var(--surface-2)';
  const a = Math.round((1 - kept) * 30 + 10);
  return `color-mix(in srgb, var(--accent) ${a}%, var(--surface))`;
}

export function LayerHeadGrid() {
  const config = useApp((s) => s.attention.config);
  const ctx = useApp(selectPlanContext);
  const addRule = useApp((s) => s.attention.addRule);
  const [step, setStep] = useState(ctx.steps - 1);
  const [sel, setSel] = useState<Selection>(null);
  const [pattern, setPattern] = useState<'sta' | 'tile' | 'dense'>('sta');
  const [window, setWindow] = useState<Vec3>([3, 3, 3]);
  const [k, setK] = useState(1);
  const [fromStep, setFromStep] = useState(Math.min(ctx.steps - 1, Math.max(0, Math.floor(ctx.steps / 4))));
  const s = Math.min(step, ctx.steps - 1);
  const tile = config.tile ?? DEFAULT_TILE;

  const plan = useMemo(() => resolveAll(config, ctx.steps, ctx.layers, ctx.heads), [config, ctx.steps, ctx.layers, ctx.heads]);
  const cells = useMemo(() => {
    const kept = plan.patterns.map((p) => keptFraction(ctx.grid, tile, p).tokens);
    const labels = plan.patterns.map(patternLabel);
    const out: Array<Array<{ label: string; kept: number }>> = [];
    for (let l = 0; l < plan.layers; l++) {
      const row: Array<{ label: string; kept: number }> = [];
      for (let h = 0; h < plan.heads; h++) {
        const i = plan.index[(s * plan.layers + l) * plan.heads + h];
        row.push({ label: labels[i], kept: kept[i] });
      }
      out.push(row);
    }
    return out;
  }, [plan, s, ctx.grid, tile]);

  const isSel = (l: number, h: number) => !!sel && (sel.layer === null || sel.layer === l) && (sel.head === null || sel.head === h);
  const apply = () => {
    if (!sel) return;
    addRule({
      steps: [fromStep, -1],
      layers: sel.layer === null ? [0, -1] : [sel.layer, sel.layer + 1],
      head: sel.head ?? -1,
      pattern,
      ...(pattern === 'sta' ? { window } : {}),
      ...(pattern === 'tile' ? { globalFrames: k } : {}),
    });
  };
  const selLabel = !sel ? 'nothing selected' : `${sel.layer === null ? 'all layers' : `layer ${sel.layer}`}, ${sel.head === null ? 'all heads' : `head ${sel.head}`}`;

  return (
    <div className="stack">
      <div className="row">
        <label htmlFor="lh-step" className="small"><b>At step</b></label>
        <input id="lh-step" type="range" min={0} max={Math.max(0, ctx.steps - 1)} value={s} style={{ width: 200 }} onChange={(e) => setStep(e.currentTarget.valueAsNumber)} />
        <span className="small mono">{s} / {ctx.steps - 1}</span>
        <Button variant="ghost" onClick={() => setSel({ layer: null, head: null })}>Select all</Button>
      </div>
      <div className="lh-grid" role="grid" aria-label={`Pattern per layer and head at step ${s}`} style={{ gridTemplateColumns: `56px repeat(${ctx.heads}, minmax(44px, 1fr))` }}>
        <div />
        {Array.from({ length: ctx.heads }, (_, h) => (
          <button key={h} className="lh-head" style={{ background: 'transparent' }} aria-label={`Select head ${h} in all layers`} onClick={() => setSel({ layer: null, head: h })}>h{h}</button>
        ))}
        {cells.map((row, l) => (
          <div key={l} role="row" style={{ display: 'contents' }}>
            <button className="lh-head" style={{ background: 'transparent' }} aria-label={`Select layer ${l}`} onClick={() => setSel({ layer: l, head: null })}>L{l}</button>
            {row.map((c, h) => (
              <button
                key={h}
                role="gridcell"
                aria-selected={isSel(l, h)}
                title={`layer ${l}, head ${h}: ${c.label}, keeps ${(c.kept * 100).toFixed(0)}% of the work`}
                style={{ background: cellColour(c.kept) }}
                onClick={() => setSel({ layer: l, head: h })}
              >
                {c.label}
              </button>
            ))}
          </div>
        ))}
      </div>
      <div className="panel" style={{ boxShadow: 'none' }}>
        <div className="panel__body">
          <div className="small"><b>Apply to {selLabel}</b></div>
          <div className="row">
            <Select aria-label="Pattern to apply" style={{ width: 'auto' }} value={pattern} onValue={setPattern} options={[{ value: 'sta', label: 'STA window' }, { value: 'tile', label: 'Attention Tile' }, { value: 'dense', label: 'Dense' }]} />
            {pattern === 'sta' && <Vec3Input label="Window" idPrefix="lh-window" value={window} onChange={setWindow} />}
            {pattern === 'tile' && (
              <label className="row small">k <input type="number" min={0} style={{ width: 64 }} value={k} onChange={(e) => setK(Math.max(0, Math.round(e.currentTarget.valueAsNumber || 0)))} /></label>
            )}
            <label className="row small" htmlFor="lh-from">from step <input id="lh-from" type="number" min={0} max={ctx.steps - 1} style={{ width: 64 }} value={fromStep} onChange={(e) => setFromStep(Math.max(0, Math.round(e.currentTarget.valueAsNumber || 0)))} /></label>
            <Button variant="primary" disabled={!sel} onClick={apply}>Apply</Button>
          </div>
        </div>
      </div>
    </div>
  );
}

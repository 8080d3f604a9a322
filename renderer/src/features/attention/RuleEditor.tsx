// The ordered rule list of the attention config: later rules override earlier ones, anything
// uncovered is dense.
import type { AttnPatternKind, AttnRule } from '../../../../app/engine/types';
import { useApp, useAppShallow } from '../../store/context';
import { Button, EmptyState, Select } from '../../ui/controls';
import type { Vec3 } from './geometry';
import { Vec3Input } from './Vec3Input';

const PATTERNS: Array<{ value: AttnPatternKind; label: string }> = [
  { value: 'dense', label: 'Dense' },
  { value: 'sta', label: 'Sliding tile (STA)' },
  { value: 'tile', label: 'Attention Tile (k global frames)' },
];

function RangeInput({ value, onChange, label, id }: { value: [number, number] | undefined; onChange: (v: [number, number] | undefined) => void; label: string; id: string }) {
  const [b, e] = value ?? [0, -1];
  return (
    <div className="field">
      <span className="small muted"><b>{label}</b></span>
      <div className="row" style={{ flexWrap: 'nowrap', gap: 4 }}>
        <input id={`${id}-b`} aria-label={`${label} from`} type="number" min={0} style={{ width: 64 }} value={b} onChange={(ev) => {
          const v = ev.currentTarget.valueAsNumber;
          if (Number.isFinite(v)) onChange([Math.max(0, Math.round(v)), e]);
        }} />
        <span className="muted">to</span>
        <input id={`${id}-e`} aria-label={`${label} to (-1 = last)`} type="number" min={-1} style={{ width: 64 }} value={e} onChange={(ev) => {
          const v = ev.currentTarget.valueAsNumber;
          if (Number.isFinite(v)) onChange([b, Math.max(-1, Math.round(v))]);
        }} />
      </div>
    </div>
  );
}

export function RuleRow({ rule, index, count }: { rule: AttnRule; index: number; count: number }) {
  const a = useAppShallow((s) => ({ update: s.attention.updateRule, remove: s.attention.removeRule, move: s.attention.moveRule }));
  const set = (r: Partial<AttnRule>) => a.update(index, { ...rule, ...r });
  const id = `rule-${index}`;
  return (
    <li className="panel" style={{ boxShadow: 'none' }} data-rule-index={index}>
      <div className="panel__body">
        <div className="row">
          <strong className="small">Rule {index + 1}</strong>
          <div className="grow" />
          <Button variant="ghost" aria-label={`Move rule ${index + 1} up`} disabled={index === 0} onClick={() => a.move(index, -1)}>↑</Button>
          <Button variant="ghost" aria-label={`Move rule ${index + 1} down`} disabled={index === count - 1} onClick={() => a.move(index, 1)}>↓</Button>
          <Button variant="ghost" aria-label={`Delete rule ${index + 1}`} onClick={() => a.remove(index)}>Delete</Button>
        </div>
        <div className="grid-3">
          <RangeInput label="Steps" id={`${id}-steps`} value={rule.steps} onChange={(steps) => set({ steps })} />
          <RangeInput label="Layers" id={`${id}-layers`} value={rule.layers} onChange={(layers) => set({ layers })} />
          <div className="field">
            <label className="small muted" htmlFor={`${id}-head`}><b>Head (-1 = all)</b></label>
            <input id={`${id}-head`} type="number" min={-1} value={rule.head ?? -1} onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (Number.isFinite(v)) set({ head: Math.max(-1, Math.round(v)) });
            }} />
          </div>
        </div>
        <div className="row">
          <label className="small muted" htmlFor={`${id}-pattern`}><b>Pattern</b></label>
          <Select id={`${id}-pattern`} style={{ width: 'auto' }} value={rule.pattern} options={PATTERNS} onValue={(pattern) => set({
            pattern,
            window: pattern === 'sta' ? rule.window ?? [3, 3, 3] : undefined,
            globalFrames: pattern === 'tile' ? rule.globalFrames ?? 1 : undefined,
          })} />
          {rule.pattern === 'sta' && <Vec3Input label="Window (tiles)" idPrefix={`${id}-window`} value={(rule.window ?? [3, 3, 3]) as Vec3} onChange={(window) => set({ window })} />}
          {rule.pattern === 'tile' && (
            <label className="row small" htmlFor={`${id}-k`}>
              <span className="muted">global frames k</span>
              <input id={`${id}-k`} type="number" min={0} style={{ width: 64 }} value={rule.globalFrames ?? 1} onChange={(e) => {
                const v = e.currentTarget.valueAsNumber;
                if (Number.isFinite(v)) set({ globalFrames: Math.max(0, Math.round(v)) });
              }} />
            </label>
          )}
        </div>
      </div>
    </li>
  );
}

export function RuleEditor() {
  const rules = useApp((s) => s.attention.config.rules);
  const a = useAppShallow((s) => ({ add: s.attention.addRule, clear: s.attention.clearRules }));
  const steps = useApp((s) => s.prompt.draft.steps);
  return (
    <div className="stack">
      <div className="row">
        <h3 className="grow">Rules ({rules.length})</h3>
        <Button onClick={() => a.add({ steps: [Math.min(steps - 1, Math.max(1, Math.floor(steps / 4))), -1], layers: [0, -1], head: -1, pattern: 'sta', window: [3, 3, 3] })}>Add rule</Button>
        <Button variant="ghost" disabled={rules.length === 0} onClick={a.clear}>Clear (dense)</Button>
      </div>
      {rules.length === 0 ? (
        <EmptyState title="Dense attention everywhere">Add a rule, pick a preset, or calibrate to make attention sparse. Later rules override earlier ones.</EmptyState>
      ) : (
        <ol className="list">
          {rules.map((r, i) => <RuleRow key={i} rule={r} index={i} count={rules.length} />)}
        </ol>
      )}
    </div>
  );
}

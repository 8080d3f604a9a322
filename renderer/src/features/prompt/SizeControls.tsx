// Resolution and frame count: presets valid for the model plus free entry with validation.
import { useMemo } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Field, NumberInput } from '../../ui/controls';
import { selectActiveModel } from '../models/selectors';
import { framePresets, limitsFor, resolutionPresets, snapFrames, snapSide } from './sizes';
import { selectSizeErrors } from './selectors';

export function SizeControls() {
  const { width, height, frames } = useAppShallow((s) => ({ width: s.prompt.draft.width, height: s.prompt.draft.height, frames: s.prompt.draft.frames }));
  const { set, setSize } = useAppShallow((s) => ({ set: s.prompt.set, setSize: s.prompt.setSize }));
  const model = useApp(selectActiveModel);
  const errors = useAppShallow(selectSizeErrors);
  const limits = limitsFor(model?.info);
  const defaults = model?.info.defaults;
  const resPresets = useMemo(
    () => resolutionPresets({ width: defaults?.width || 832, height: defaults?.height || 480 }, limits),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [defaults?.width, defaults?.height, limits.sideMultiple],
  );
  const frPresets = useMemo(() => framePresets(defaults?.frames || 81, 16, limits), [defaults?.frames, limits]);
  const resKey = `${width}x${height}`;
  const err = (f: keyof typeof errors) => errors[f];
  return (
    <div className="stack">
      <div className="grid-2">
        <Field label="Resolution preset">
          {(id) => (
            <select id={id} value={resPresets.some((r) => `${r.width}x${r.height}` === resKey) ? resKey : 'custom'} onChange={(e) => {
              const r = resPresets.find((p) => `${p.width}x${p.height}` === e.currentTarget.value);
              if (r) setSize(r.width, r.height);
            }}>
              {resPresets.map((r) => (
                <option key={r.label} value={`${r.width}x${r.height}`}>{r.label}</option>
              ))}
              <option value="custom" disabled>Custom</option>
            </select>
          )}
        </Field>
        <Field label="Frames preset">
          {(id) => (
            <select id={id} value={frPresets.some((f) => f.frames === frames) ? String(frames) : 'custom'} onChange={(e) => set('frames', Number(e.currentTarget.value))}>
              {frPresets.map((f) => (
                <option key={f.frames} value={f.frames}>{f.label}</option>
              ))}
              <option value="custom" disabled>Custom</option>
            </select>
          )}
        </Field>
      </div>
      <div className="grid-3">
        <Field label="Width" error={err('width')}>
          {(id, d) => <NumberInput id={id} aria-describedby={d} min={limits.sideMultiple} step={limits.sideMultiple} value={width} onValue={(v) => set('width', v)} onBlur={() => set('width', snapSide(width, limits))} />}
        </Field>
        <Field label="Height" error={err('height')}>
          {(id, d) => <NumberInput id={id} aria-describedby={d} min={limits.sideMultiple} step={limits.sideMultiple} value={height} onValue={(v) => set('height', v)} onBlur={() => set('height', snapSide(height, limits))} />}
        </Field>
        <Field label="Frames" error={err('frames')} hint={`${limits.frameStride}n+1`}>
          {(id, d) => <NumberInput id={id} aria-describedby={d} min={1} step={limits.frameStride} value={frames} onValue={(v) => set('frames', v)} onBlur={() => set('frames', snapFrames(frames, limits))} />}
        </Field>
      </div>
    </div>
  );
}

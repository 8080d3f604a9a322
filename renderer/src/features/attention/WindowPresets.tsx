// Window presets: dense / calibrated / custom, saved by the app and shareable as JSON.
import { useState } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Badge, Button } from '../../ui/controls';
import { DEFAULT_TILE, type Vec3 } from './geometry';
import { Vec3Input } from './Vec3Input';

export function WindowPresets() {
  const a = useAppShallow((s) => ({
    presets: s.attention.presets, presetId: s.attention.presetId, mode: s.attention.mode, apply: s.attention.applyPreset,
    save: s.attention.savePreset, del: s.attention.deletePreset, clear: s.attention.clearRules, setTile: s.attention.setTile,
  }));
  const tile = useApp((s) => s.attention.config.tile ?? DEFAULT_TILE) as Vec3;
  const [name, setName] = useState('');
  return (
    <div className="stack">
      <div className="row">
        <span className="small muted"><b>Current</b></span>
        <Badge tone={a.mode === 'dense' ? 'muted' : a.mode === 'calibrated' ? 'ok' : 'info'}>{a.mode}</Badge>
        <select aria-label="Window preset" className="grow" style={{ width: 'auto' }} value={a.presetId ?? ''} onChange={(e) => {
          if (e.currentTarget.value === '__dense') a.clear();
          else if (e.currentTarget.value) a.apply(e.currentTarget.value);
        }}>
          <option value="">{a.presetId ? '' : 'Presets…'}</option>
          <option value="__dense">Dense (no sparsity)</option>
          {a.presets.map((p) => (
            <option key={p.id} value={p.id}>{p.name} ({p.kind}{p.builtin ? ', built in' : ''})</option>
          ))}
        </select>
        {a.presetId && !a.presets.find((p) => p.id === a.presetId)?.builtin && (
          <Button variant="ghost" onClick={() => void a.del(a.presetId!)}>Delete preset</Button>
        )}
      </div>
      <Vec3Input label="Tile size (tokens)" idPrefix="tile" value={tile} onChange={a.setTile} />
      <div className="row">
        <input aria-label="Preset name" placeholder="save current windows as…" className="grow" style={{ width: 'auto' }} value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Button disabled={!name.trim()} onClick={() => { void a.save(name.trim()); setName(''); }}>Save preset</Button>
      </div>
    </div>
  );
}

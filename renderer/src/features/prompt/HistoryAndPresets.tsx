// Prompt history (recent distinct prompts) and generation presets (sampling recipes).
import { useState } from 'react';
import { useApp, useAppShallow } from '../../store/context';
import { Button } from '../../ui/controls';

export function HistoryAndPresets() {
  const history = useApp((s) => s.prompt.history);
  const presets = useApp((s) => s.prompt.presets);
  const a = useAppShallow((s) => ({ set: s.prompt.set, applyPreset: s.prompt.applyPreset, savePreset: s.prompt.savePreset, deletePreset: s.prompt.deletePreset, reset: s.prompt.resetToDefaults }));
  const [presetId, setPresetId] = useState('');
  const [name, setName] = useState('');
  return (
    <div className="grid-2">
      <div className="field">
        <label htmlFor="history">Recent prompts</label>
        <select id="history" value="" onChange={(e) => {
          const h = history[Number(e.currentTarget.value)];
          if (h) {
            a.set('prompt', h.prompt);
            a.set('negativePrompt', h.negativePrompt);
          }
        }}>
          <option value="">{history.length ? `${history.length} recent…` : 'No history yet'}</option>
          {history.map((h, i) => (
            <option key={`${i}-${h.prompt}`} value={i}>{h.prompt.length > 70 ? `${h.prompt.slice(0, 70)}…` : h.prompt}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="gen-preset">Preset</label>
        <div className="row">
          <select id="gen-preset" className="grow" style={{ width: 'auto' }} value={presetId} onChange={(e) => {
            setPresetId(e.currentTarget.value);
            if (e.currentTarget.value === '__defaults') a.reset();
            else if (e.currentTarget.value) a.applyPreset(e.currentTarget.value);
          }}>
            <option value="">Choose…</option>
            <option value="__defaults">Model defaults</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>{p.name}</option>
            ))}
          </select>
          {presetId && presetId !== '__defaults' && (
            <Button variant="ghost" aria-label="Delete preset" onClick={() => { void a.deletePreset(presetId); setPresetId(''); }}>Delete</Button>
          )}
        </div>
        <div className="row">
          <input aria-label="New preset name" placeholder="save current as…" value={name} className="grow" style={{ width: 'auto' }} onChange={(e) => setName(e.currentTarget.value)} />
          <Button disabled={!name.trim()} onClick={() => { void a.savePreset(name.trim()); setName(''); }}>Save</Button>
        </div>
      </div>
    </div>
  );
}

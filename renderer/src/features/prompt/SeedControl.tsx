// Seed: locked (reused for every run: reproduce or compare) or random (a new seed per run).
import { useAppShallow } from '../../store/context';
import { Button, NumberInput } from '../../ui/controls';

export function SeedControl() {
  const { seed, locked, set, setLocked, randomize } = useAppShallow((s) => ({
    seed: s.prompt.draft.seed, locked: s.prompt.seedLocked, set: s.prompt.set, setLocked: s.prompt.setSeedLocked, randomize: s.prompt.randomizeSeed,
  }));
  return (
    <div className="field">
      <label htmlFor="seed">Seed</label>
      <div className="row">
        <NumberInput id="seed" className="grow" style={{ width: 'auto' }} min={0} step={1} value={seed} onValue={(v) => set('seed', Math.max(0, Math.round(v)))} />
        <label className="check">
          <input type="checkbox" checked={locked} onChange={(e) => setLocked(e.currentTarget.checked)} /> Lock
        </label>
        <Button onClick={randomize} aria-label="New random seed">Randomize</Button>
      </div>
      <div className="field__hint">{locked ? 'Every run uses this seed.' : 'Each run draws a new seed (shown here and kept with the output).'}</div>
    </div>
  );
}
